"""Is a use within a consent's description? (SAG-AFTRA B2.4 / B2.9, Commercials F4.)

The agreements ask that a use fall *within* the reasonably specific description, not
that it be phrased the same way. So the structure decides: production, replica kind,
modalities, character, scenes (a subset), media, territory, advertiser and product
line. Only where the structure cannot decide (the consent lists no scenes) does the use
name the consented purpose it relies on, picked from the consent's list; the
production's own words are a note and never decide.

An ``appearance`` (a scan's or a check's question) names no scenes or purpose: it
asks whether the consent covers this performer, modality and date at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from likeness.domain.consent import ConsentTerms, UseFacts
from likeness.rules import base
from likeness.rules.territory import outside

# (topic, message) for each way the use falls outside; warnings are the same shape.
Problem = tuple[str, str]
_SCENE_PREFIX = re.compile(r"^(?:scenes?|sc\.?)\s*", re.IGNORECASE)


# Pure functions of short strings, called for every consent of every decision: memoised
# (bench/bench_rules.py holds a decision to a p99 of 50 µs).
@lru_cache(maxsize=8192)
def norm(text: str) -> str:
    return " ".join(text.casefold().split())


@lru_cache(maxsize=8192)
def scene_key(scene: str) -> str:
    """Scenes by name: "Scene 12", "sc. 12" and "12" are one scene."""
    return norm(_SCENE_PREFIX.sub("", scene.strip()))


@lru_cache(maxsize=4096)
def _keys(allowed: tuple[str, ...], key: Callable[[str], str]) -> frozenset[str]:
    return frozenset(key(a) for a in allowed)


def _outside_list(
    used: tuple[str, ...], allowed: tuple[str, ...], key: Callable[[str], str]
) -> list[str]:
    keys = _keys(allowed, key)
    return [u for u in used if key(u) not in keys]


def _list(items: tuple[str, ...]) -> str:
    return ", ".join(items)


def scope_problems(use: UseFacts, consent: ConsentTerms) -> tuple[list[Problem], list[Problem]]:
    """Denials and warnings for the parts of ``use`` outside ``consent``'s description."""
    denials: list[Problem] = []
    warnings: list[Problem] = []
    d, cid = consent.description, consent.id
    if use.character and d.character and norm(use.character) != norm(d.character):
        denials.append(
            (
                base.CHARACTER,
                f"the use portrays {use.character!r}; consent {cid} is for the "
                f"character {d.character!r}",
            )
        )
    if use.media and d.media:
        extra = _outside_list(use.media, d.media, norm)
        if extra:
            denials.append(
                (
                    base.MEDIA,
                    f"medium {_list(tuple(extra))} is outside consent {cid} ({_list(d.media)})",
                )
            )
    if use.distribution and d.territory:
        regions, unread = outside(d.territory, use.distribution)
        if regions:
            denials.append(
                (
                    base.TERRITORY,
                    f"distribution in {_list(tuple(regions))} is outside the "
                    f"territory of consent {cid} ({d.territory})",
                )
            )
        elif unread:
            warnings.append(
                (
                    base.TERRITORY,
                    f"the territory of consent {cid} ({d.territory}) could not be "
                    f"read as regions ({_list(unread)}); check the distribution "
                    f"({_list(use.distribution)}) against it by hand",
                )
            )
    for field, used, allowed in (
        ("advertiser", use.advertiser, d.advertiser),
        ("product line", use.product_line, d.product_line),
    ):
        if used and allowed and norm(used) != norm(allowed):
            denials.append(
                (
                    base.ADVERTISER,
                    f"the use is for the {field} {used!r}; consent {cid} is for {allowed!r}",
                )
            )
    scenes_decide = _scenes(use, consent, denials)
    _purpose(use, consent, scenes_decide, denials, warnings)
    return denials, warnings


def _scenes(use: UseFacts, consent: ConsentTerms, denials: list[Problem]) -> bool:
    """Check the scenes; True when they decide the use is within the consent."""
    listed, cid = consent.description.scenes, consent.id
    if not listed:
        return False
    if not use.scenes:
        # A scan makes the replica; it portrays no scene. An appearance names none.
        if not use.appearance and not use.creation:
            denials.append(
                (
                    base.SCENES,
                    f"consent {cid} is for scenes {_list(listed)}: list the scenes "
                    "the replica appears in",
                )
            )
        return False
    extra = _outside_list(use.scenes, listed, scene_key)
    if extra:
        denials.append(
            (
                base.SCENES,
                f"the use's scenes {_list(tuple(extra))} are outside the scenes of consent "
                f"{cid} ({_list(listed)})",
            )
        )
        return False
    return True


def _purpose(
    use: UseFacts,
    consent: ConsentTerms,
    scenes_decide: bool,
    denials: list[Problem],
    warnings: list[Problem],
) -> None:
    purposes, cid = consent.description.purposes, consent.id
    named = norm(use.purpose)
    listed = any(norm(p) == named for p in purposes)
    if scenes_decide:
        if named and not listed:
            warnings.append(
                (
                    base.PURPOSE,
                    f"the use names the purpose {use.purpose!r}, which consent {cid} "
                    "does not list; its scenes decide that the use is within it",
                )
            )
        return
    if not named:
        asked_for_scenes = consent.description.scenes and not use.creation
        if not use.appearance and not asked_for_scenes:
            denials.append(
                (
                    base.PURPOSE,
                    f"name the consented purpose this use relies on; consent {cid} "
                    f"lists: {'; '.join(purposes)}",
                )
            )
        return
    if not listed:
        denials.append(
            (
                base.PURPOSE,
                f"the use relies on the purpose {use.purpose!r}, which consent {cid} "
                f"does not list (it lists: {'; '.join(purposes)})",
            )
        )
