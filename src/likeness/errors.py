"""The exception hierarchy: every error class of the package, and the one list of kinds.

Every error a user can cause is a ``LikenessError`` whose message says what
went wrong and what to do about it. Entry points catch ``LikenessError`` in one
place and map its ``kind`` (an ``ErrorKind``) to an exit code (``cli/app.py``) or
an HTTP status (``api/errors.py``); nothing below them decides how an error is
shown. A test fails when a kind has no exit code or no status, or when a
``LikenessError`` subclass is defined outside this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import ClassVar


class ErrorKind(StrEnum):
    """What went wrong, as entry points tell it (the ``kind`` of the API's error envelope)."""

    ERROR = "error"  # unexpected
    CONFIGURATION = "configuration"
    HOME = "home"
    STORE = "store"
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    INTEGRITY = "integrity"
    UPSTREAM = "upstream"  # an outbound request failed (egress)


class LikenessError(Exception):
    """Base of every error this package raises on purpose."""

    kind: ClassVar[ErrorKind] = ErrorKind.ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def diagnostics(self) -> str:
        """The message, followed by the hint when there is one."""
        return self.message if self.hint is None else f"{self.message}\n{self.hint}"


class ConfigurationError(LikenessError):
    """A setting is missing, malformed or unsafe."""

    kind = ErrorKind.CONFIGURATION


class MissingExtraError(ConfigurationError):
    """An optional dependency is not installed."""

    def __init__(self, feature: str, extra: str) -> None:
        super().__init__(
            f"{feature} needs the optional '{extra}' dependencies, which are not installed",
            # one command for every extra: pip alone cannot install voice (cli/extras.py)
            hint=f"install them with: likeness extras install {extra}",
        )


class HomeError(LikenessError):
    """The data home is missing, already initialised or unusable."""

    kind = ErrorKind.HOME


class HomeNotInitialisedError(HomeError):
    def __init__(self, home: str) -> None:
        super().__init__(
            f"no data home at {home}",
            hint="run 'likeness init' (or pass --home / set LIKENESS_HOME to an existing one)",
        )


class HomeAlreadyInitialisedError(HomeError):
    def __init__(self, home: str) -> None:
        super().__init__(
            f"{home} is already an initialised data home; nothing was changed",
            hint="use it as it is, or choose another location with --home / LIKENESS_HOME",
        )


class HomeNotWritableError(HomeError):
    def __init__(self, home: str, reason: str) -> None:
        super().__init__(
            f"cannot write the data home at {home}: {reason}",
            hint="choose a writable location with --home / LIKENESS_HOME",
        )


class StoreError(LikenessError):
    """The database could not be reached or refused an operation."""

    kind = ErrorKind.STORE


class InvalidInputError(LikenessError):
    """A value given by the user breaks a rule of the domain."""

    kind = ErrorKind.INVALID


class NotFoundError(LikenessError):
    """An id names nothing that exists."""

    kind = ErrorKind.NOT_FOUND

    def __init__(self, what: str, identifier: str, *, hint: str | None = None) -> None:
        super().__init__(f"no {what} with id {identifier!r}", hint=hint)
        self.what = what
        self.identifier = identifier


class ConflictError(LikenessError):
    """The operation would contradict something already recorded."""

    kind = ErrorKind.CONFLICT


class NotClearedError(ConflictError):
    """A media file has an appearance no consent covers: no clearance credential."""


class StepOutOfOrderError(ConflictError):
    """A takedown step that cannot follow the notice's current state."""


class TaskCancelledError(ConflictError):
    """Someone asked to stop long work (a scan, a signing, a watch run): raised at its
    next progress report, so that it stops cleanly and leaves nothing behind."""

    def __init__(self, task_id: str) -> None:
        super().__init__(
            f"task {task_id} was cancelled before it finished",
            hint="start it again if it is still wanted",
        )
        self.task_id = task_id


class AppearanceCoveredError(ConflictError):
    """A consent covers the appearance now: there is nothing to take down."""


class PermissionDeniedError(LikenessError):
    """Someone tried to act for a performer without the authority to."""

    kind = ErrorKind.FORBIDDEN


class LookupThrottledError(PermissionDeniedError):
    """Too many performer lookups that found nobody: the account waits before the next
    (services/performer_lookup.py)."""


class AuthenticationError(LikenessError):
    """A credential is missing, malformed, unknown or revoked."""

    kind = ErrorKind.UNAUTHENTICATED


class SessionEndedError(AuthenticationError):
    """A portal session ended everywhere at once (password changed, account disabled);
    ``reason`` names why (a ``domain.account.SessionEnd`` value) for the sign-in page."""

    def __init__(self, message: str, *, reason: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.reason = reason


class UnsupportedMediaTypeError(LikenessError):
    """A request body is not of the type the endpoint reads."""

    kind = ErrorKind.UNSUPPORTED_MEDIA_TYPE


class PayloadTooLargeError(LikenessError):
    """A request body is larger than the configured limit."""

    kind = ErrorKind.PAYLOAD_TOO_LARGE


class EgressRefusedError(InvalidInputError):
    """An outbound request was refused before any connection: a malformed URL, or a host
    that is (or resolves to) an address that is not public and not allow-listed."""


class EgressError(LikenessError):
    """An outbound request failed: the name did not resolve, the connection failed, or
    the answer was not HTTP. The message never quotes what the server sent."""

    kind = ErrorKind.UPSTREAM


class EgressTimeoutError(EgressError):
    """An outbound request did not complete within its overall deadline."""


@dataclass(frozen=True)
class RowProblem:
    """One bad row of a bulk import, by its line number in the file."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class LivenessError(InvalidInputError):
    """An enrolment's liveness check failed: the face in the video did not turn, or moved
    as a flat picture does; or the recording did not say the phrase it was given. Nothing
    was enrolled; the message says what to record again."""


class AudioTooLongError(InvalidInputError):
    """A recording runs past the length its use allows (decoding stopped there)."""

    def __init__(self, path: Path, max_seconds: float, hint: str | None = None) -> None:
        limit = f"{max_seconds / 3600:g} h" if max_seconds >= 3600 else f"{max_seconds:g} s"
        super().__init__(f"{path}: longer than {limit}", hint=hint)
        self.max_seconds = max_seconds


class ImportRejectedError(InvalidInputError):
    """A bulk import had bad rows; nothing from it was written."""

    shown = 50

    def __init__(self, source: str, problems: Sequence[RowProblem]) -> None:
        self.problems = tuple(problems)
        listed = "\n".join(f"  {problem}" for problem in self.problems[: self.shown])
        more = len(self.problems) - self.shown
        if more > 0:
            listed += f"\n  ... and {more} more"
        super().__init__(
            f"{source}: {len(self.problems)} bad row(s); nothing was imported\n{listed}",
            hint="fix the rows listed and import the whole file again",
        )


class CaseError(InvalidInputError):
    """A rules case file (docs/rules-cases.md) is malformed; the message names the field."""


class LogIntegrityError(LikenessError):
    """The stored log does not match what it claims; names the index."""

    kind = ErrorKind.INTEGRITY


class VaultError(LikenessError):
    """A sealed vault file is damaged, was moved, or its key is gone."""

    kind = ErrorKind.INTEGRITY


class ModelFileDamagedError(LikenessError):
    """An installed model file (e.g. dlib's face ResNet weights) is truncated or is not
    the model it should be; the hint says which package to reinstall."""

    kind = ErrorKind.INTEGRITY


class WebhookSignatureError(AuthenticationError, ValueError):
    """A webhook request is unsigned, wrongly signed, stale or replayed. Also a
    ``ValueError``, as it was before receivers could catch ``LikenessError``."""


class BackupDamagedError(LikenessError):
    """A backup does not match its manifest (a file missing, added or changed, a count
    that differs) or is not a backup at all; nothing was restored."""

    kind = ErrorKind.INTEGRITY


class BackupUnsupportedError(InvalidInputError):
    """A backup of a format version or schema revision this version cannot restore."""


class TargetNotEmptyError(ConflictError):
    """A restore, copy or backup would write over something that is already there; the
    message names what is there."""
