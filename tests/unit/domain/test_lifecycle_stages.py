"""``next_stage`` (the lifecycle on event types alone, which the offline check of a
consent receipt follows) allows exactly the steps ``apply`` allows, over every
sequence of up to six event types."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from likeness.domain.consent import Modality, ReplicaKind, UseDescription
from likeness.domain.lifecycle import (
    ConsentEvent,
    ConsentRecord,
    ConsentRequest,
    EventType,
    Stage,
    Status,
    apply,
    next_stage,
    requested_event,
)
from likeness.errors import ConflictError

START = datetime(2026, 1, 5, 9, tzinfo=UTC)
REQUEST = ConsentRequest(
    replica_kind=ReplicaKind.EMPLOYMENT_BASED,
    modalities=frozenset({Modality.FACE}),
    description=UseDescription(project="Harbour Lights", purposes=("scene 14",)),
    valid_from=date(2026, 1, 5),
)


def _event(seq: int, kind: EventType) -> ConsentEvent:
    at = START + timedelta(days=seq)
    if kind is EventType.REQUESTED:
        return requested_event("C1", "P1", "F1", REQUEST, at)
    data = {"by": "performer"} if kind is EventType.GRANTED else {}
    return ConsentEvent("C1", seq, kind, at, data)


def _stage(record: ConsentRecord) -> Stage:
    return Stage(record.status, record.suspended_since is not None)


def test_next_stage_allows_exactly_what_apply_allows() -> None:
    compared = 0
    for length in range(1, 7):
        for kinds in itertools.product(list(EventType), repeat=length):
            record: ConsentRecord | None = None
            stage: Stage | None = None
            for seq, kind in enumerate(kinds, start=1):
                after = next_stage(stage, kind)
                try:
                    record = apply(record, _event(seq, kind))
                except ConflictError:
                    assert after is None, (kinds, seq)
                    break
                assert after == _stage(record), (kinds, seq)
                stage = after
                compared += 1
    assert compared > 1000  # the walk reached deep sequences, not only first steps


@pytest.mark.parametrize(
    ("kinds", "refused"),
    [
        ((EventType.REQUESTED, EventType.REVOKED), EventType.REVOKED),
        ((EventType.REQUESTED, EventType.SUSPENDED), EventType.SUSPENDED),
        ((EventType.GRANTED,), EventType.GRANTED),
        ((EventType.REQUESTED, EventType.DENIED, EventType.GRANTED), EventType.GRANTED),
        ((EventType.REQUESTED, EventType.GRANTED, EventType.RESUMED), EventType.RESUMED),
    ],
)
def test_steps_the_lifecycle_refuses(kinds: tuple[EventType, ...], refused: EventType) -> None:
    stage: Stage | None = None
    for kind in kinds[:-1]:
        stage = next_stage(stage, kind)
    assert kinds[-1] is refused and next_stage(stage, refused) is None


def test_a_stage_reads_as_words() -> None:
    assert str(Stage(Status.GRANTED, suspended=True)) == "granted and suspended"
    assert str(Stage(Status.REQUESTED)) == "requested"
