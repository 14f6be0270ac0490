"""``POST /v1/check``: is this intended use of this likeness covered by consent?

What an AI-generation service calls before it generates. Given a performer id, or an
image or audio in which faces and voices are identified, and the intended use, each
likeness found is decided by the rulebooks in force. Every check is itself appended
to the transparency log (through the group-commit writer, so many concurrent checks
share one transaction), and the answer carries the receipt for that entry: proof,
verifiable offline, that this question was asked and answered this way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from likeness.domain.consent import Modality, UseFacts
from likeness.ledger.entry import LogEvent
from likeness.ledger.receipt import Receipt
from likeness.rules.cases import use_json
from likeness.services.ports import Clock
from likeness.services.recognition import FaceMatch, RecognitionService
from likeness.services.uses import UseService

# Submits an event to group commit; the future holds its receipt once durable.
Append = Callable[[tuple[LogEvent, str | None]], "Future[Receipt]"]


@dataclass(frozen=True)
class Finding:
    performer_id: str | None
    modality: str
    where: list[Any]  # a face box (x, y, w, h) or a voice segment (start, end seconds)
    distance: float | None
    decision: dict[str, Any] | None  # None for an unknown person: nobody to ask


@dataclass(frozen=True)
class CheckResult:
    covered: bool
    findings: tuple[Finding, ...]
    log_index: int
    receipt: Receipt


class CheckService:
    def __init__(
        self,
        *,
        uses: UseService,
        recognition: RecognitionService,
        append: Append,
        clock: Clock,
    ) -> None:
        self._uses = uses
        self._recognition = recognition
        self._append = append
        self._clock = clock

    def check_performer(self, performer_id: str, use: UseFacts) -> CheckResult:
        return self.start_performer_check(performer_id, use).result()

    def start_performer_check(self, performer_id: str, use: UseFacts) -> Future[CheckResult]:
        """Decide now (from the decision cache, or a short read), and return a future
        that completes when the check's log entry is durable. A server awaits it
        without holding a thread (``asyncio.wrap_future``)."""
        decision = self._uses.decide(performer_id, use)
        modality = ",".join(sorted(m.value for m in use.modalities))
        return self._record(use, [Finding(performer_id, modality, [], None, decision)])

    def check_media(self, path: Path, use: UseFacts) -> CheckResult:
        """Identify every face or voice in ``path``; decide the use for each one found."""
        found = self._recognition.identify(path)
        findings = [self._finding(m, "face", use) for m in found.faces]
        findings += [self._finding(m, "voice", use) for m in found.voices]
        return self._record(use, findings).result()

    def _finding(self, match: FaceMatch, modality: str, use: UseFacts) -> Finding:
        if match.performer_id is None:
            return Finding(None, modality, match.box, match.distance, None)
        narrowed = dataclasses.replace(use, modalities=frozenset({Modality(modality)}))
        decision = self._uses.decide(match.performer_id, narrowed)
        return Finding(match.performer_id, modality, match.box, match.distance, decision)

    def _record(self, use: UseFacts, findings: list[Finding]) -> Future[CheckResult]:
        covered = all(
            f.decision is None or f.decision["decision"] != "not_covered" for f in findings
        )
        event = LogEvent(
            type="check.performed",
            at=self._clock.now(),
            ids={"production": use.production_id},
            record={
                "use": use_json(use),
                "covered": covered,
                "findings": [
                    {
                        "performer_id": f.performer_id,
                        "modality": f.modality,
                        "decision": None if f.decision is None else f.decision["decision"],
                        "consent_id": None if f.decision is None else f.decision["consent_id"],
                    }
                    for f in findings
                ],
            },
        )
        done: Future[CheckResult] = Future()

        def finish(appended: Future[Receipt]) -> None:
            error = appended.exception()
            if error is not None:
                done.set_exception(error)
                return
            receipt = appended.result()
            done.set_result(CheckResult(covered, tuple(findings), receipt.index, receipt))

        self._append((event, None)).add_done_callback(finish)
        return done
