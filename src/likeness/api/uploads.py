"""Receiving uploaded media without writing it in clear to any disk.

Photos and recordings to enrol or check are held in memory (``scan/memory_files.py``)
for as long as the request works on them; a scan job's uploads are sealed as they
arrive, under a key only this process holds, and wait so until a worker scans them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import UploadFile

from likeness.errors import InvalidInputError
from likeness.scan.memory_files import MemoryFiles
from likeness.services.scan_jobs import ScanJobService, StagedJob, safe_name

CHUNK = 1024 * 1024


@asynccontextmanager
async def held_uploads(memory: MemoryFiles, files: list[UploadFile]) -> AsyncIterator[list[Path]]:
    """Paths that read the uploads from memory, while the block runs; then they are gone."""
    if not files:
        raise InvalidInputError("upload at least one file")
    with memory.folder() as folder:
        paths = []
        for position, upload in enumerate(files):
            held = folder.add(safe_name(upload.filename or "upload", position))
            while chunk := await upload.read(CHUNK):
                held.write(chunk)
            if held.size == 0:
                raise InvalidInputError(f"{upload.filename or 'an upload'} is empty")
            paths.append(held.path)
        yield paths


async def stage_scan(jobs: ScanJobService, files: list[UploadFile]) -> StagedJob:
    """A new job with its uploads sealed in its folder; nothing is left on failure."""
    if not files:
        raise InvalidInputError("upload at least one file")
    staged = jobs.stage()
    try:
        for upload in files:
            with staged.upload(upload.filename or "upload") as out:
                while chunk := await upload.read(CHUNK):
                    out.write(chunk)
            if out.size == 0:
                raise InvalidInputError(f"{upload.filename or 'an upload'} is empty")
    except BaseException:
        jobs.discard(staged)
        raise
    return staged
