"""``POST /v1/check``: is this intended use of this likeness covered by consent?

What an AI-generation service calls before it generates. Given a performer id, or an
image or audio in which faces and voices are identified, and the intended use, each
likeness found is decided by the rulebooks in force. Every check is itself appended
to the transparency log (through the group-commit writer, so many concurrent checks
share one transaction), and the answer carries the receipt for that entry: proof,
verifiable offline, that this question was asked and answered this way.

Each answer is cut to its caller (``Audience``): a production reads the reasons about
its own consents; a platform, acting for no production, is told whether the use is
covered and why in the terms of its question, with no consent id, purpose, date or
pay. The log entry commits to exactly what the caller was told, with a salt returned
to the caller, so the caller can later open the commitment and prove the answer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from likeness.domain.consent import Modality, UseFacts
from likeness.domain.decision import Audience, Decision, DecisionOutcome
from likeness.ledger.entry import LogEvent
from likeness.ledger.receipt import Receipt
from likeness.recognition.ports import Box, TimeSpan
from likeness.services.events import PendingEvent, check_performed
from likeness.services.gallery import GalleryService, Match
from likeness.services.ports import Clock
from likeness.services.uses import UseService

# Submits an event to group commit; the future holds its receipt once durable.
Append = Callable[[PendingEvent], "Future[Receipt]"]


@dataclass(frozen=True)
class Finding:
    performer_id: str | None
    modalities: frozenset[Modality]  # what was found (one), or what was asked of a performer
    where: Box | TimeSpan | None  # a face box or a voice segment; None for a named performer
    distance: float | None
    decision: Decision | None  # None for an unknown person: nobody to ask
    # The calibration whose threshold decided the identification (its id, or "default");
    # None for a check of a named performer (nothing identified).
    calibration: str | None = None

    @property
    def outcome(self) -> DecisionOutcome:
        return DecisionOutcome.of(self.decision)


@dataclass(frozen=True)
class CheckResult:
    covered: bool
    findings: tuple[Finding, ...]  # decisions as the caller may read them
    log_index: int
    receipt: Receipt
    audience: Audience
    # The event the log entry commits to, and its salt: the caller opens the commitment.
    committed: LogEvent
    salt: bytes


class CheckService:
    def __init__(
        self,
        *,
        uses: UseService,
        gallery: GalleryService,
        append: Append,
        clock: Clock,
    ) -> None:
        self._uses = uses
        self._gallery = gallery
        self._append = append
        self._clock = clock

    def check_performer(
        self, performer_id: str, use: UseFacts, audience: Audience = Audience.PARTY
    ) -> CheckResult:
        return self.start_performer_check(performer_id, use, audience).result()

    def start_performer_check(
        self, performer_id: str, use: UseFacts, audience: Audience = Audience.PARTY
    ) -> Future[CheckResult]:
        """Decide now (from the decision cache, or a short read), and return a future
        that completes when the check's log entry is durable. A server awaits it
        without holding a thread (``asyncio.wrap_future``)."""
        decision = self._uses.decide(performer_id, _asked(use)).seen_by(audience)
        finding = Finding(performer_id, use.modalities, None, None, decision)
        return self._record(use, [finding], audience)

    def check_media(
        self, path: Path, use: UseFacts, audience: Audience = Audience.PARTY
    ) -> CheckResult:
        """Identify every face or voice in ``path``; decide the use for each one found."""
        found = self._gallery.identify(path)
        findings = [self._finding(m, Modality.FACE, use, audience) for m in found.faces]
        findings += [self._finding(m, Modality.VOICE, use, audience) for m in found.voices]
        return self._record(use, findings, audience).result()

    def _finding(
        self, match: Match, modality: Modality, use: UseFacts, audience: Audience
    ) -> Finding:
        found = frozenset({modality})
        calibration = None if match.threshold is None else match.threshold.name
        if match.performer_id is None:
            return Finding(None, found, match.where, match.distance, None, calibration)
        asked = dataclasses.replace(_asked(use), modalities=found)
        decision = self._uses.decide(match.performer_id, asked).seen_by(audience)
        return Finding(
            match.performer_id, found, match.where, match.distance, decision, calibration
        )

    def _record(
        self, use: UseFacts, findings: list[Finding], audience: Audience
    ) -> Future[CheckResult]:
        covered = all(f.decision is None or not f.decision.refused for f in findings)
        pending = check_performed(use, findings, covered, self._clock.now())
        assert pending.salt is not None  # a check's salt is always its own
        salt, committed = pending.salt, pending.event
        done: Future[CheckResult] = Future()

        def finish(appended: Future[Receipt]) -> None:
            error = appended.exception()
            if error is not None:
                done.set_exception(error)
                return
            receipt = appended.result()
            done.set_result(
                CheckResult(
                    covered, tuple(findings), receipt.index, receipt, audience, committed, salt
                )
            )

        self._append(pending).add_done_callback(finish)
        return done


def _asked(use: UseFacts) -> UseFacts:
    """A check is a question about an appearance: when it names no scenes it asks
    whether any consent of the production covers the performer, modality and date."""
    return dataclasses.replace(use, appearance=True)
