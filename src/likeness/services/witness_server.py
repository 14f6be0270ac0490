"""Being a witness (``likeness --home W witness ...``): the logs it witnesses, and its
answer to ``add-checkpoint`` (C2SP tlog-witness).

The decision is ``ledger.witness_protocol.decide``; this service reads the witness's
state, decides and persists the new state under the home's lock before answering, so
the state a cosignature vouches for is on disk first and two requests cannot both
advance from the same size. A refusal leaves the state as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from likeness.errors import InvalidInputError
from likeness.ledger.cosignature import CosignatureSigner
from likeness.ledger.note import NoteError, parse_verifier
from likeness.ledger.witness_protocol import (
    SIZE_CONTENT_TYPE,
    Cosigned,
    Refused,
    WitnessedLog,
    WitnessRequestError,
    decide,
    parse_add_checkpoint,
)
from likeness.services.ports import Clock
from likeness.store.witness_home import Logs, WitnessHome

TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class WitnessAnswer:
    status: int
    content_type: str
    body: str


class WitnessService:
    def __init__(self, *, home: WitnessHome, clock: Clock) -> None:
        home.require_initialised()
        self._home = home
        self._clock = clock
        self._signer = CosignatureSigner(home.name(), home.seed())

    @property
    def name(self) -> str:
        return self._signer.name

    @property
    def verifier_key(self) -> str:
        """The cosignature/v1 verifier key (name+hash+base64, algorithm 0x04)."""
        return self._signer.verifier.encode()

    def logs(self) -> list[WitnessedLog]:
        return sorted(self._home.logs().values(), key=lambda log: log.origin)

    def trust(self, log_key: str, origin: str | None = None) -> WitnessedLog:
        """Witness the log whose checkpoints ``log_key`` signs (origin: the key's name
        unless given). Giving a known log a new key keeps what was cosigned."""
        try:
            verifier = parse_verifier(log_key)
        except NoteError as exc:
            raise InvalidInputError(f"log key rejected: {exc}") from None
        chosen = origin or verifier.name
        if not chosen or "\n" in chosen:
            raise InvalidInputError("a log origin is one non-empty line")

        def change(logs: Logs) -> tuple[Logs, WitnessedLog]:
            old = logs.get(chosen)
            log = WitnessedLog(
                origin=chosen,
                verifier=verifier,
                size=0 if old is None else old.size,
                root=None if old is None else old.root,
                checkpoint=None if old is None else old.checkpoint,
            )
            return {**logs, chosen: log}, log

        return self._home.update(change)

    def add_checkpoint(self, body: bytes) -> WitnessAnswer:
        try:
            request = parse_add_checkpoint(body)
        except WitnessRequestError as exc:
            return WitnessAnswer(400, TEXT, f"{exc}\n")
        now = int(self._clock.now().timestamp())

        def change(logs: Logs) -> tuple[Logs | None, Cosigned | Refused]:
            outcome = decide(request, logs, self._signer, now)
            if isinstance(outcome, Cosigned):
                return {**logs, outcome.log.origin: outcome.log}, outcome
            return None, outcome

        outcome = self._home.update(change)
        if isinstance(outcome, Cosigned):
            return WitnessAnswer(200, TEXT, outcome.lines)
        if outcome.status == 409 and outcome.known_size is not None:
            return WitnessAnswer(409, SIZE_CONTENT_TYPE, f"{outcome.known_size}\n")
        return WitnessAnswer(outcome.status, TEXT, f"{outcome.message}\n")
