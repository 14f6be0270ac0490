"""Consents and decisions in plain language, for the people who must understand them."""

from __future__ import annotations

from likeness.domain.decision import Decision
from likeness.domain.lifecycle import ConsentRecord
from likeness.domain.production import Production

KINDS = {
    "employment_based": "a digital replica made from your work on this production",
    "independently_created": "a digital replica made without you, from other material",
    "digital_alteration": "a digital alteration of your recorded performance",
    "background": "a digital replica of you as a background actor",
}


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def describe_consent(record: ConsentRecord, production: Production | None) -> str:
    """One paragraph saying exactly what would be allowed, and for how long."""
    r = record.request
    d = r.description
    who = (
        f"{production.title} ({production.company})"
        if production
        else f"production {record.production_id}"
    )
    parts = [
        f"{who} asks to use {KINDS.get(r.replica_kind.value, r.replica_kind.value)}",
        f"of your {_join(sorted(m.value for m in r.modalities))}",
        "to " + "; or to ".join(p.rstrip(".") for p in d.purposes),
        f"in “{d.project}”",
    ]
    if d.character:
        parts.append(f"as the character {d.character}")
    if d.scenes:
        parts.append(f"in {_join(list(d.scenes))}")
    parts.append(f"shown in {_join(list(d.media))} (territory: {d.territory})")
    until = (
        f"until {r.valid_until.isoformat()}"
        if r.valid_until
        else "with no end date (it lasts until you revoke it)"
    )
    parts.append(f"from {r.valid_from.isoformat()} {until}")
    text = f"{parts[0]} {parts[1]}, " + ", ".join(parts[2:]) + "."
    if r.compensation is not None:
        c = r.compensation
        pay = {
            "flat": f"a flat {c.amount} {c.currency}",
            "per_day": f"{c.amount} {c.currency} for each day of work the replica replaces",
            "scale": "the agreement's scale rate",
        }[c.basis.value]
        text += f" You would be paid {pay}."
    else:
        text += " No payment terms are stated; the agreement's minimums apply."
    if r.real_time_generation:
        text += " The replica may be used to generate new material in real time."
    return text


def describe_decision(decision: Decision) -> str:
    outcome = decision.outcome.value.replace("_", " ")
    return f"{outcome}; owed {decision.total.amount} {decision.total.currency}"
