"""Saving uploaded files under a folder the server controls, with names that cannot escape it."""

from __future__ import annotations

from pathlib import Path

from fastapi import UploadFile

from likeness.errors import InvalidInputError
from likeness.services.scan_jobs import ScanJobService, Upload, safe_name

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


async def stage_scan(jobs: ScanJobService, files: list[UploadFile]) -> tuple[str, list[Upload]]:
    """A new job's id and its uploads saved in its folder; nothing is left on failure."""
    job_id, folder = jobs.new_job_folder()
    try:
        paths = await save_uploads(files, folder)
    except BaseException:
        jobs.discard(job_id)
        raise
    return job_id, [Upload(f.filename or p.name, p) for f, p in zip(files, paths, strict=True)]
