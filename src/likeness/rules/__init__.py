"""Rulebooks: one module per agreement or law, with effective dates and clause citations.

Pure: the standard library and ``likeness.domain`` only; rate tables are data
files in ``rules/data``. ``engine.evaluate(case)`` is the entry point.
"""

RULEBOOK_VERSION = "2026.11.29"
