"""Receiving uploaded media without writing it in clear to any disk.

Starlette parses a multipart body into files that spill to the system temp directory
past 1 MiB; routes that take uploads use ``InMemoryUploads`` as their route class, whose
parser keeps each part in memory (the body limit of ``api/limits.py`` bounds it). Photos
and recordings to enrol or check are then held in memory (``scan/memory_files.py``) for
as long as the request works on them; a scan job's uploads are sealed as they arrive,
under a key only this process holds, and wait so until a worker scans them.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import aclosing, asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request, Response, UploadFile
from fastapi.routing import APIRoute
from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException, MultiPartParser

from likeness.errors import InvalidInputError, LikenessError
from likeness.scan.memory_files import MemoryFiles
from likeness.services.scan_jobs import ScanJobService, StagedJob, safe_name

CHUNK = 1024 * 1024


class _InMemoryParser(MultiPartParser):
    spool_max_size = sys.maxsize  # never rolled over to a temporary file


class _InMemoryFormRequest(Request):
    # Starlette builds its parser inside this (private) method and offers no other hook
    # for where upload parts spill; tests/integration/test_sealed_biometrics.py fails if
    # an upgrade makes this override ineffective (it watches the server's open files).
    async def _get_form(
        self,
        *,
        max_files: int | float = 1000,
        max_fields: int | float = 1000,
        max_part_size: int = 1024 * 1024,
    ) -> FormData:
        media_type = self.headers.get("content-type", "").partition(";")[0].strip().lower()
        if self._form is None and media_type == "multipart/form-data":
            try:
                async with aclosing(self.stream()) as stream:
                    parser = _InMemoryParser(
                        self.headers,
                        stream,
                        max_files=max_files,
                        max_fields=max_fields,
                        max_part_size=max_part_size,
                    )
                    self._form = await parser.parse()
            except MultiPartException as exc:  # as Starlette answers it
                raise HTTPException(status_code=400, detail=exc.message) from None
        return await super()._get_form(
            max_files=max_files, max_fields=max_fields, max_part_size=max_part_size
        )


class InMemoryUploads(APIRoute):
    """A route whose multipart uploads are parsed into memory, never a temporary file."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def in_memory(request: Request) -> Response:
            return await handler(_InMemoryFormRequest(request.scope, request.receive))

        return in_memory


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
        try:
            yield paths
        except LikenessError as exc:  # name the upload, not where the server holds it
            exc.message = exc.message.replace(f"{folder.path}/", "")
            raise


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
