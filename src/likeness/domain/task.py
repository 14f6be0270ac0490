"""Long work that people watch: a scan job, a credential signing, a watch run. Where it
stands (its stage and how much of it is done), how it ended, and whether someone asked to
cancel it. The board itself is ``services/tasks.py`` over the ``tasks`` table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class TaskKind(StrEnum):
    SCAN = "scan"
    CREDENTIAL = "credential"  # a scan job that signs a clearance credential
    WATCH = "watch"  # a run of the watcher over every watched source


class TaskStatus(StrEnum):
    RUNNING = "running"  # queued work is running too: its stage says "queued"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self is not TaskStatus.RUNNING


class Stage(StrEnum):
    """The steps long work goes through, in the words the portal shows."""

    QUEUED = "queued"
    DECODING = "decoding"  # reading a file: its hash, its provenance, its stream
    DETECTING = "detecting"  # faces in the sampled frames, voices in the soundtrack
    IDENTIFYING = "identifying"  # each face or voice against the gallery
    DECIDING = "deciding"  # each appearance against the consents; flags logged
    SIGNING = "signing"  # a clearance credential written into the file
    LISTING = "listing"  # a watched source's feed or folder read
    CHECKING = "checking"  # a watched item fetched, fingerprinted and scanned
    FINISHING = "finishing"


@dataclass(frozen=True)
class Step:
    """One progress report: the stage, which of several parts it is in (a file of a scan,
    an item of a watch run) and the units done of those expected (samples of a video,
    items of a run), when known."""

    stage: Stage
    done: int = 0
    total: int | None = None
    part: int = 0  # 1-based; 0: the work has no parts
    parts: int = 0
    noun: str = "file"

    def label(self) -> str:
        """``detecting (file 2 of 3)``: what the portal shows (at most 120 characters)."""
        if self.parts > 1 and self.part:
            return f"{self.stage.value} ({self.noun} {self.part} of {self.parts})"
        return self.stage.value


@dataclass(frozen=True)
class Task:
    id: str
    kind: TaskKind
    account_id: str  # who started it: who, beside admins, may see and cancel it
    status: TaskStatus
    stage: str  # a Step's label
    done: int
    total: int | None
    started_at: datetime
    updated_at: datetime
    cancel_requested_at: datetime | None = None
    finished_at: datetime | None = None
    message: str | None = None  # how it ended, or why it failed

    @property
    def percent(self) -> int | None:
        """Whole percent done; 100 once done; None while the total is unknown."""
        if self.status is TaskStatus.DONE:
            return 100
        if not self.total:
            return None
        return max(0, min(99, self.done * 100 // self.total))  # 100 only when it is done

    @property
    def cancelling(self) -> bool:
        """Cancel was asked for; the work stops at its next progress report."""
        return self.cancel_requested_at is not None and not self.status.finished
