"""Saving uploaded files under a folder the server controls, with names that cannot escape it."""

from __future__ import annotations

from pathlib import Path

from fastapi import UploadFile

from likeness.errors import InvalidInputError
from likeness.services.scan_jobs import safe_name

CHUNK = 1024 * 1024


async def save_uploads(files: list[UploadFile], folder: Path) -> list[Path]:
    if not files:
        raise InvalidInputError("upload at least one file")
    paths = []
    for position, upload in enumerate(files):
        path = folder / safe_name(upload.filename or "upload", position)
        with path.open("wb") as out:
            while chunk := await upload.read(CHUNK):
                out.write(chunk)
        if path.stat().st_size == 0:
            raise InvalidInputError(f"{upload.filename or 'an upload'} is empty")
        paths.append(path)
    return paths
