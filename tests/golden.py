"""Golden outputs: what the CLI's ``--json``, the API and scan reports print, pinned in
``tests/golden/`` so a refactoring that changes them fails.

Values that differ from run to run are masked before comparison: ids (ULIDs, numbered by
first appearance, so "the same id twice" is still checked), times, today's date, temporary paths,
signatures and proofs (the signing key and salts are random per data home), and
thumbnails. Everything else is compared exactly.

Regenerate after a deliberate change with ``UPDATE_GOLDEN=1`` and name the
change in the commit.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).parent / "golden"
ULID = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{26}\b")
MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:\+00:00|Z)")
DATA_URI = re.compile(r"data:image/jpeg;base64,[A-Za-z0-9+/=]+")
# The store a run used: the data home's SQLite file, or a database on a PostgreSQL
# server (pytest --store postgresql). Which one is not part of the output's shape.
DATABASE = re.compile(r"(?:sqlite:///\S*likeness\.db|postgresql\+psycopg://\S+)")
# Fields whose values come from random keys or salts: their presence and type are pinned.
OPAQUE = {
    "entry",
    "inclusion_proof",
    "checkpoint",
    "verifier_key",
    "salt",
    "root",
    "token",
    "secret",
    "sha256",
    "media_sha256",
}


class Masker:
    """Replaces run-specific values by stable placeholders."""

    def __init__(self, *, paths: dict[str, str] | None = None) -> None:
        self._ids: dict[str, str] = {}
        self._paths = paths or {}

    def text(self, value: str) -> str:
        for real, placeholder in self._paths.items():
            value = value.replace(real, placeholder)
        value = ULID.sub(lambda m: self._id(m.group(0)), value)
        value = DATABASE.sub("<database>", value)
        value = MOMENT.sub("<time>", value)
        # The CLI runs on the real clock: a date that is today's is a date of this run.
        value = value.replace(datetime.now(UTC).date().isoformat(), "<today>")
        return DATA_URI.sub("<jpeg>", value)

    def _id(self, value: str) -> str:
        return self._ids.setdefault(value, f"<id{len(self._ids) + 1}>")

    def data(self, value: Any, key: str | None = None) -> Any:
        if key in OPAQUE and value is not None:
            return f"<{key}:{type(value).__name__}>"
        if key == "score" and isinstance(value, float):
            return "<score>"  # a model's distance: its presence is pinned, not its digits
        if isinstance(value, dict):
            return {k: self.data(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.data(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value


def check(name: str, actual: Any) -> None:
    """Compare ``actual`` (already masked) with ``tests/golden/<name>``."""
    path = GOLDEN / name
    text = (
        actual
        if isinstance(actual, str)
        else json.dumps(actual, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"no golden file {path}; run with UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    if isinstance(actual, str):
        assert text == expected, f"{name} differs from its golden copy"
    else:
        assert json.loads(text) == json.loads(expected), f"{name} differs from its golden copy"
