"""Enrolment from the browser: face photos, a head-turn video and voice recordings, each
with its quality verdict before anything is kept; removing templates.

The check (``POST /portal/enrolment/check``) holds the uploads in memory while the gates
look at them and answers a verdict per file; it keeps nothing (no vault file, template or
log entry). Enrolling uploads the files again and keeps them all or none. A performer's
own records only: the routes act on the session's performer, never on an id sent in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from likeness.api.portal.labels import performer_name
from likeness.api.portal.pages import Csrf, Session, back, page, problem, services_of
from likeness.api.uploads import InMemoryUploads, held_uploads
from likeness.bootstrap import Services
from likeness.domain.account import Account
from likeness.domain.consent import Modality
from likeness.errors import InvalidInputError, PermissionDeniedError
from likeness.services.access import PERFORMER_SIDE
from likeness.services.enrolment import Enrolment, Verdict
from likeness.services.enrolment_phrase import Phrase
from likeness.services.events import Recorded
from likeness.services.logins import OpenSession
from likeness.services.scan_jobs import safe_name

router = APIRouter(include_in_schema=False, route_class=InMemoryUploads)

HOME = "/portal/enrolment"
KINDS = ("face", "video", "voice")  # the three forms: photos, a head-turn video, recordings
Kind = Annotated[str, Form(pattern="^(face|video|voice)$")]
Files = Annotated[list[UploadFile], File()]
# The most files one form takes: plenty for an enrolment, and a bound on the work (a face
# or voice detection per file) that one request can ask of the server.
MOST_FILES = {"face": 10, "video": 1, "voice": 5}
NOUNS = {"face": "photos", "video": "video", "voice": "recordings"}


@dataclass(frozen=True)
class Checked:
    """One chosen file and its verdict, as the page shows it."""

    name: str
    verdict: Verdict


def own_performer(account: Account) -> str:
    """The performer whose templates this account manages (its own, or the one it
    represents). Admins enrol through the API or the CLI, naming the performer."""
    if account.role not in PERFORMER_SIDE or account.performer_id is None:
        raise PermissionDeniedError(
            "enrolment in the portal is for performers and their representatives",
            hint="admins enrol a performer with 'likeness enrol' or the API",
        )
    return account.performer_id


@router.get(HOME)
def enrolment_page(request: Request, session: Session) -> HTMLResponse:
    own_performer(session.account)
    return _page(request, session)


@router.post(f"{HOME}/check")
async def check(request: Request, session: Csrf, files: Files, kind: Kind) -> HTMLResponse:
    """Each file's verdict; nothing is kept. A partial for htmx, else the whole page."""
    own_performer(session.account)
    services = services_of(request)
    try:
        _within_cap(files, kind)
        names = [upload.filename or "upload" for upload in files]
        async with held_uploads(services.memory, files) as paths:
            verdicts = await run_in_threadpool(_verdicts, services, kind, paths, names)
        checked = [Checked(n, v) for n, v in zip(names, verdicts, strict=True)]
        error = None
    except InvalidInputError as exc:  # nothing chosen, or an empty file
        checked, error = [], problem(exc)
    if request.headers.get("hx-request"):
        return page(
            request, "_enrol_verdicts.html", session, kind=kind, checked=checked, error=error
        )
    return _page(request, session, kind=kind, checked=checked, error=error)


@router.post(f"{HOME}/face")
async def enrol_photos(request: Request, session: Csrf, files: Files) -> Response:
    performer_id = own_performer(session.account)
    services = services_of(request)
    try:
        _within_cap(files, "face")
        async with held_uploads(services.memory, files) as paths:
            recorded = await run_in_threadpool(
                services.enrolment.enrol, performer_id, paths, Modality.FACE
            )
    except InvalidInputError as exc:
        return _refused(request, session, "face", exc, files)
    return _enrolled(recorded, "the photos", paths[0].parent)


@router.post(f"{HOME}/video")
async def enrol_video(request: Request, session: Csrf, files: Files) -> Response:
    performer_id = own_performer(session.account)
    services = services_of(request)
    try:
        _one(files, "head-turn video")
        async with held_uploads(services.memory, files) as [path]:
            recorded = await run_in_threadpool(services.video_enrolment.enrol, performer_id, path)
    except InvalidInputError as exc:  # LivenessError too
        return _refused(request, session, "video", exc, files)
    return _enrolled(recorded, "the head-turn video", path.parent)


@router.post(f"{HOME}/voice")
async def enrol_voice(
    request: Request, session: Csrf, files: Files, token: Annotated[str, Form()] = ""
) -> Response:
    """Recordings of the performer speaking; with a phrase's token, one recording that
    says the phrase (checked by speech recognition before it is kept)."""
    performer_id = own_performer(session.account)
    services = services_of(request)
    try:
        _within_cap(files, "voice")
        async with held_uploads(services.memory, files) as paths:
            if token:
                _one(files, "recording of the phrase")
                recorded = await run_in_threadpool(
                    services.phrase_enrolment.enrol, performer_id, paths[0], token
                )
            else:
                recorded = await run_in_threadpool(
                    services.enrolment.enrol, performer_id, paths, Modality.VOICE
                )
    except InvalidInputError as exc:
        return _refused(request, session, "voice", exc, files)
    return _enrolled(recorded, "the recordings", paths[0].parent)


@router.post(f"{HOME}/phrase")
def issue_phrase(request: Request, session: Csrf) -> HTMLResponse:
    """Words to read aloud for the voice recording (valid for 15 minutes)."""
    phrase = services_of(request).phrase_enrolment.issue(own_performer(session.account))
    if request.headers.get("hx-request"):
        return page(request, "_enrol_phrase.html", session, phrase=phrase)
    return _page(request, session, phrase=phrase)


@router.get(f"{HOME}/remove")
def removal_page(request: Request, session: Session) -> HTMLResponse:
    """What removing templates means, before anything is removed."""
    performer_id = own_performer(session.account)
    chosen = _modalities(request.query_params.getlist("modality"))
    return _removal_page(request, session, performer_id, chosen)


@router.post(f"{HOME}/remove")
async def remove(request: Request, session: Csrf) -> Response:
    performer_id = own_performer(session.account)
    services = services_of(request)
    form = await request.form()
    chosen = _modalities(form.getlist("modality"))
    try:
        if form.get("understood") != "yes":
            raise InvalidInputError(
                "tick the box to confirm that you understand what removing means"
            )
        recorded = await run_in_threadpool(services.enrolment.remove, performer_id, chosen)
    except InvalidInputError as exc:
        return _removal_page(request, session, performer_id, chosen, problem(exc))
    removal = recorded.value
    count = len(removal.template_ids)
    what = " and ".join(m.value for m in removal.modalities)
    return back(
        HOME,
        f"Removed {count} {what} template{'s' if count != 1 else ''}; "
        f"log entry {', '.join(str(i) for i in recorded.log_indexes)}.",
    )


def _modalities(values: Sequence[object]) -> set[Modality]:
    """The modalities ticked: face and voice are the ones templates are enrolled for."""
    return {Modality(v) for v in values if v in ("face", "voice") and isinstance(v, str)}


def _removal_page(
    request: Request,
    session: OpenSession,
    performer_id: str,
    chosen: set[Modality],
    error: str | None = None,
) -> HTMLResponse:
    services = services_of(request)
    return page(
        request,
        "enrolment_remove.html",
        session,
        status=200 if error is None else 422,
        performer=performer_name(services, performer_id),
        holdings=services.enrolment.holdings(performer_id),
        chosen={m.value for m in chosen},
        error=error,
    )


def _verdicts(
    services: Services, kind: str, paths: Sequence[Path], names: Sequence[str]
) -> list[Verdict]:
    """Each file's verdict, naming it as it was chosen, never where it is held."""
    held = zip(paths, names, strict=True)
    if kind == "video":
        return [services.video_enrolment.check(path, name=name) for path, name in held]
    modality = Modality.FACE if kind == "face" else Modality.VOICE
    return [services.enrolment.check(path, modality, name=name) for path, name in held]


def _within_cap(files: Sequence[UploadFile], kind: str) -> None:
    """Refuse more files than one form of ``kind`` takes, before any is read."""
    most = MOST_FILES[kind]
    if len(files) <= most:
        return
    if most == 1:
        raise InvalidInputError(
            f"one form takes one {NOUNS[kind]}, not {len(files)} files; nothing was read",
            hint=f"choose the one {NOUNS[kind]} to send",
        )
    raise InvalidInputError(
        f"one form takes at most {most} {NOUNS[kind]}, not {len(files)}; nothing was read",
        hint=f"choose at most {most}, and send the others in another round",
    )


def _one(files: Sequence[UploadFile], what: str) -> None:
    if len(files) != 1:
        raise InvalidInputError(f"choose one {what}, not {len(files)} files")


def _enrolled(recorded: Recorded[Enrolment], source: str, held: Path) -> Response:
    """Back to the page, saying what was kept (notes name the upload, not where the
    server held it)."""
    count = len(recorded.value.template_ids)
    notes = "".join(f" {note.replace(f'{held}/', '')}" for note in recorded.value.notes)
    return back(
        HOME,
        f"Enrolled {count} template{'s' if count != 1 else ''} from {source} "
        f"({recorded.value.model_id}).{notes}",
    )


def _refused(
    request: Request,
    session: OpenSession,
    kind: str,
    exc: InvalidInputError,
    files: Sequence[UploadFile],
) -> HTMLResponse:
    message = f"Nothing was enrolled: {problem(exc)}"
    for position, upload in enumerate(files):  # the name chosen, not the one held under
        name = upload.filename or "upload"
        message = message.replace(f"{safe_name(name, position)}:", f"{name}:")
    return _page(request, session, status=422, kind=kind, error=message)


def _page(
    request: Request,
    session: OpenSession,
    *,
    status: int = 200,
    kind: str | None = None,
    checked: Sequence[Checked] = (),
    error: str | None = None,
    phrase: Phrase | None = None,
) -> HTMLResponse:
    """The enrolment page; ``kind`` names the form the verdicts or error belong to."""
    performer_id = own_performer(session.account)
    services = services_of(request)
    context: dict[str, Any] = {
        "performer": performer_name(services, performer_id),
        "holdings": services.enrolment.holdings(performer_id),
        "kind": kind,
        "checked": checked,
        "error": error,
        "phrase": phrase,
        "most_files": MOST_FILES,
    }
    return page(request, "enrolment.html", session, status=status, **context)
