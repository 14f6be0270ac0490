"""Your own account: password, signed-in devices, and the inbox of what waits for you."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
