"""Progress of long work (scans, credential signings, watch runs): its stage and
percentage, polled or streamed, and cancelling it; the watch page."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
