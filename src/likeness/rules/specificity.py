"""Is a description of intended use "reasonably specific"? (SAG-AFTRA B2.4, CA Labor Code
927(a)(2), NY GOL 5-302(1)(b), NO FAKES §2(b)(2)(B)(i)(bb).)

Specificity cannot be fully automated (rules.md B.2 says a person must review
it), but catch-alls can be refused mechanically: a structured description must
name a project, a purpose, the media and the territory; a replica bound to
scenes must list them; and no field may hide a catch-all (found by meaning in
rules/catch_all.py).
"""

from __future__ import annotations

from functools import lru_cache

from likeness.domain.consent import ReplicaKind, UseDescription
from likeness.rules.catch_all import Field, catch_all_in

# Replicas portraying the performer in scenes of a picture must say which scenes.
SCENE_BOUND = frozenset(
    {ReplicaKind.EMPLOYMENT_BASED, ReplicaKind.BACKGROUND, ReplicaKind.DIGITAL_ALTERATION}
)


@lru_cache(maxsize=4096)
def specificity_problems(description: UseDescription, kind: ReplicaKind) -> tuple[str, ...]:
    """Every reason the description is not reasonably specific; empty when it is.

    Pure and called for every consent of every decision, so results are memoised.
    """
    problems: list[str] = []
    for field, texts in _fields(description):
        span = next((s for text in texts if (s := catch_all_in(text, field=field))), None)
        if span:
            problems.append(f"the {field} says {span!r}, a catch-all, not a specific use")
    if not description.project.strip():
        problems.append("the description names no project")
    if any(len(p.split()) < 2 for p in description.purposes):
        problems.append("the purpose must say what the replica will do (at least two words)")
    if not description.media:
        problems.append("the description names no media")
    if not (description.territory or "").strip():
        problems.append("the description names no territory")
    if kind in SCENE_BOUND and not description.scenes:
        problems.append(
            f"a consent for a {kind.value.replace('_', '-')} replica must list its scenes; "
            "it lists none"
        )
    return tuple(problems)


def _fields(description: UseDescription) -> tuple[tuple[Field, tuple[str, ...]], ...]:
    """Each field's texts, in the order problems are reported."""
    return (
        ("project", (description.project,)),
        ("purpose", description.purposes),
        ("character", (description.character or "",)),
        ("territory", (description.territory or "",)),
        ("media", description.media),
        ("scenes", description.scenes),
    )
