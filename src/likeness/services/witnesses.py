"""The log's witnesses: who its checkpoints go to, and sending them (C2SP tlog-witness).

``sync`` sends the latest checkpoint to every witness that has not cosigned it yet,
with a consistency proof from the size that witness last cosigned, after the
checkpoint was committed (never inside a write transaction: a slow witness holds no
writer). A 409 answer names the size the witness knows: the request is made once more
from that size. A cosignature is kept only once it verifies against the witness's key,
over exactly the checkpoint body sent; ``LedgerService.cosigned_checkpoint`` serves the
checkpoint with the lines of those that cosigned it. Every request goes through the
egress gate. Adding or removing a witness is a log event (``witness.added``,
``witness.removed``).

In ``likeness serve`` a ``WitnessDispatcher`` runs ``sync`` every ``interval`` seconds
in one process (a leader task, like webhook delivery); ``likeness log witness sync``
runs it once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from likeness.domain.witness import Witness
from likeness.egress import Egress
from likeness.errors import (
    ConflictError,
    EgressError,
    EgressRefusedError,
    InvalidInputError,
    LikenessError,
    NotFoundError,
)
from likeness.ledger.checkpoint import parse_body
from likeness.ledger.cosignature import CosignatureVerifier, parse_cosignature_verifier, split_note
from likeness.ledger.note import NoteError
from likeness.ledger.witness_protocol import AddCheckpoint, WitnessRequestError, parse_size
from likeness.services import events
from likeness.services.ledger import LedgerService
from likeness.services.ports import Clock
from likeness.store.database import Database
from likeness.store.witnesses import WitnessRepository

log_ = logging.getLogger(__name__)

DEADLINE = 10.0  # seconds for one add-checkpoint request
MAX_ANSWER = 16 * 1024

# What a witness's refusal means, by status (c2sp.org/tlog-witness): its answer's text
# is not repeated (it is another party's), only what the protocol says the status means.
_REFUSALS = {
    400: "the witness found the request malformed (400)",
    403: "the witness does not trust this log's key (403): give it the log's key",
    404: "the witness does not witness this log's origin (404): configure it for the log",
    409: "the witness cosigned a different checkpoint of that size (409)",
    422: (
        "the witness refused: the consistency proof from the size it last cosigned does not "
        "verify (422) - the log's history differs from what it cosigned"
    ),
}


@dataclass(frozen=True)
class SyncResult:
    witness: str
    size: int
    cosigned: bool
    error: str | None = None
    # the witness saw another history: it refused the consistency proof (422), cosigned a
    # different checkpoint of the size it knows (409), or a larger tree than the log holds
    forked: bool = False


class WitnessClientService:
    def __init__(
        self, *, database: Database, clock: Clock, ledger: LedgerService, egress: Egress
    ) -> None:
        self._database = database
        self._clock = clock
        self._ledger = ledger
        self._egress = egress
        self._syncing = threading.Lock()  # one sync at a time in this process

    # -- the list ------------------------------------------------------------------

    def add(self, url: str, verifier_key: str) -> Witness:
        """A new witness of the log, recorded as a ``witness.added`` event."""
        try:
            verifier = parse_cosignature_verifier(verifier_key)
        except NoteError as exc:
            raise InvalidInputError(f"witness key rejected: {exc}") from None
        self._egress.vet(_submission_url(url))  # refused now rather than at every sync
        witness = Witness(
            name=verifier.name,
            url=url.rstrip("/"),
            verifier_key=verifier.encode(),
            added_at=self._clock.now(),
        )
        with self._database.write() as connection:
            repository = WitnessRepository(connection)
            if repository.get(witness.name) is not None:
                raise ConflictError(
                    f"a witness named {witness.name!r} is already in the list",
                    hint="remove it first ('likeness log witness remove NAME') to change it",
                )
            repository.add(witness)
            self._ledger.record(connection, [events.witness_added(witness)])
        return witness

    def remove(self, name: str) -> Witness:
        with self._database.write() as connection:
            repository = WitnessRepository(connection)
            witness = repository.get(name)
            if witness is None:
                raise NotFoundError("witness", name, hint="'likeness log witness list' names them")
            repository.remove(name)
            self._ledger.record(connection, [events.witness_removed(witness, self._clock.now())])
        return witness

    def witnesses(self) -> list[Witness]:
        with self._database.read() as connection:
            return WitnessRepository(connection).all()

    # -- sending checkpoints -----------------------------------------------------------

    def sync(self) -> list[SyncResult]:
        """Send the latest checkpoint to every witness that has not cosigned it."""
        with self._syncing:
            note = self._ledger.checkpoint()
            body, _ = split_note(note)
            size = parse_body(body).size
            results = []
            for witness in self.witnesses():
                if witness.cosigned_body == body:
                    continue
                results.append(self._send(witness, note, body, size))
            return results

    def _send(self, witness: Witness, note: str, body: str, size: int) -> SyncResult:
        verifier = parse_cosignature_verifier(witness.verifier_key)
        old = witness.cosigned_size or 0
        line: str | None = None
        error: str | None = None
        forked = False
        for _ in range(2):  # a 409 tells the size the witness knows: once more from it
            if old > size:
                error = (
                    f"the witness cosigned a checkpoint of size {old} but the log holds only "
                    f"{size} entries: the log's history was truncated"
                )
                forked = True
                break
            try:
                proof = self._ledger.prove_consistency(old, size) if 0 < old < size else []
            except LikenessError as exc:
                error = f"no consistency proof from size {old}: {exc.message}"
                break
            status, answer, error = self._post(witness, AddCheckpoint(old, tuple(proof), note))
            if status == 409 and answer is not None:
                try:
                    known = parse_size(answer)
                except WitnessRequestError as exc:
                    error = f"{_REFUSALS[409]}: {exc}"
                    break
                if known != old:
                    old = known
                    continue
                forked = True  # it knows this size, and cosigned another checkpoint of it
            forked = forked or status == 422
            if status == 200 and answer is not None:
                line, error = _cosignature(verifier, body, answer)
            break
        now = self._clock.now()
        with self._database.write() as connection:
            repository = WitnessRepository(connection)
            if line is not None:
                repository.record_cosignature(witness.name, size=size, body=body, line=line, at=now)
            else:
                repository.record_failure(witness.name, error=error or "no answer", at=now)
        if line is not None:
            self._ledger.forget_cosignatures()
        if error is not None:
            log_.warning("witness %s: %s", witness.name, error)
        return SyncResult(
            witness=witness.name, size=size, cosigned=line is not None, error=error, forked=forked
        )

    def _post(
        self, witness: Witness, request: AddCheckpoint
    ) -> tuple[int | None, bytes | None, str | None]:
        try:
            answer = self._egress.send(
                "POST",
                _submission_url(witness.url),
                body=request.encode(),
                headers={"content-type": "text/plain; charset=utf-8"},
                deadline=DEADLINE,
                max_body=MAX_ANSWER,
            )
        except (EgressRefusedError, EgressError) as exc:
            return None, None, exc.message
        if answer.status == 200:
            return 200, answer.body, None
        meaning = _REFUSALS.get(answer.status, f"the witness answered HTTP {answer.status}")
        return answer.status, answer.body, meaning


def _submission_url(url: str) -> str:
    return f"{url.rstrip('/')}/add-checkpoint"


def _cosignature(
    verifier: CosignatureVerifier, body: str, answer: bytes
) -> tuple[str | None, str | None]:
    """The witness's valid cosignature line in its 200 answer, or why there is none."""
    text = answer.decode("utf-8", errors="replace")
    for line in text.split("\n"):
        if verifier.verify_line(body, line) is not None:
            return line, None
    return None, (
        f"the witness answered 200 without a valid cosignature by its key "
        f"{verifier.name}+{verifier.id.hex()}"
    )


class WitnessDispatcher:
    """A background thread that sends new checkpoints to the witnesses every
    ``interval`` seconds (a no-op while every witness has cosigned the latest)."""

    def __init__(
        self,
        sync: Callable[[], list[SyncResult]],
        *,
        interval: float = 1.0,
        on_error: Callable[[BaseException], None] = lambda _: None,
    ) -> None:
        self._sync = sync
        self._interval = interval
        self._on_error = on_error
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="likeness-witnesses", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=DEADLINE * 2)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._sync()
            except Exception as exc:
                self._on_error(exc)
            self._stop.wait(self._interval)
