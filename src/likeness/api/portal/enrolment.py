"""Enrolment from the browser: face photos, a head-turn video and voice recordings, each
with its quality verdict before anything is kept; removing templates."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
