"""Is a use's distribution inside a consent's territory?

A consent's territory is written by people ("worldwide", "United States and Canada",
"US-CA"); a use's distribution is a list of ISO 3166 codes. Where every part of the
territory can be read as regions, the comparison decides; where some part cannot, it
is left to a person (the caller warns), never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from likeness.rules.eu_ai_act import EU

WORLD = frozenset({"worldwide", "world", "the world", "global", "globally", "all territories"})
# Names people write for regions, by the codes they stand for.
NAMES: dict[str, frozenset[str]] = {
    "united states": frozenset({"US"}),
    "united states of america": frozenset({"US"}),
    "usa": frozenset({"US"}),
    "u.s.": frozenset({"US"}),
    "canada": frozenset({"CA"}),
    "mexico": frozenset({"MX"}),
    "north america": frozenset({"US", "CA", "MX"}),
    "united kingdom": frozenset({"GB"}),
    "uk": frozenset({"GB"}),
    "great britain": frozenset({"GB"}),
    "european union": frozenset({"EU"}),
    "california": frozenset({"US-CA"}),
    "new york": frozenset({"US-NY"}),
    "illinois": frozenset({"US-IL"}),
    "tennessee": frozenset({"US-TN"}),
    "denmark": frozenset({"DK"}),
    "australia": frozenset({"AU"}),
    "japan": frozenset({"JP"}),
}
_CODE = re.compile(r"[A-Z]{2}(-[A-Z0-9]{1,3})?")
_SPLIT = re.compile(r"\s*(?:,|;|/|\band\b|&)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Territory:
    """A territory read as regions: ``world``, or a set of codes; ``unread`` holds the
    parts no rule could read."""

    world: bool
    codes: frozenset[str]
    unread: tuple[str, ...]

    def contains(self, region: str) -> bool:
        if self.world:
            return True
        country = region.split("-")[0]
        return (
            region in self.codes
            or country in self.codes
            or ("EU" in self.codes and country in EU)
            or (region == "EU" and EU - {"EU"} <= self.codes)
        )


@lru_cache(maxsize=1024)
def read_territory(text: str) -> Territory:
    world, codes, unread = False, set[str](), []
    for part in _SPLIT.split(text.strip()):
        cleaned = part.strip().strip(".").removeprefix("the ").strip()
        if not cleaned:
            continue
        key = cleaned.casefold()
        if key in WORLD:
            world = True
        elif key in NAMES:
            codes |= NAMES[key]
        elif _CODE.fullmatch(cleaned):
            codes.add(cleaned)
        else:
            unread.append(cleaned)
    return Territory(world, frozenset(codes), tuple(unread))


def outside(territory: str, distribution: tuple[str, ...]) -> tuple[list[str], tuple[str, ...]]:
    """The regions of ``distribution`` outside ``territory``, and the parts of the
    territory that could not be read (when there are any, nothing is judged outside)."""
    read = read_territory(territory)
    if read.unread:
        return [], read.unread
    return [r for r in distribution if not read.contains(r)], ()
