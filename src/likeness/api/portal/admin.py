"""Administration pages: accounts, API keys, performers and productions, webhooks,
retention (admins only)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
