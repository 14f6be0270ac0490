"""Worked cases for the statutes encoded in issue 13 (NY Civil Rights Law 50-f, NY
Fashion Workers Act, Tennessee ELVIS Act, Illinois Digital Voice and Likeness
Protection Act). Written into this folder as ``sNN_<name>.json`` by build_cases.py.

Every expectation here was worked out by hand from shared/reference/rules.md (the
clause each case cites), never by running the engine.
"""

from __future__ import annotations

from typing import Any

STATUTE_CASES: list[tuple[str, dict[str, Any]]] = []
