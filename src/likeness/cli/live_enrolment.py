"""``likeness enrol-video``, ``enrol-phrase`` and ``enrol-voice``: enrolment with a
liveness check (docs/recognition.md, "Liveness")."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from likeness.api.present import phrase_json
from likeness.cli import render
from likeness.cli.recognition import report_enrolment
from likeness.cli.state import state_of

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]
Receipt = Annotated[Path | None, typer.Option("--receipt", help="Write the receipt.")]


def enrol_video(
    ctx: typer.Context,
    performer_id: Annotated[str, typer.Argument(help="Performer id.")],
    video: Annotated[
        Path, typer.Argument(help="3–10 s of the performer facing the camera, turning left, right.")
    ],
    receipt: Receipt = None,
    as_json: JsonFlag = False,
) -> None:
    """Enrol a face from a video of the head turning: refused if the face moves as a flat
    picture or does not turn both ways. Three poses become templates; the video is not kept."""
    state = state_of(ctx)
    recorded = state.services().video_enrolment.enrol(performer_id, video)
    line = (
        f"live: enrolled {len(recorded.value.template_ids)} pose(s) for {performer_id} "
        f"({recorded.value.model_id}); the video was not kept"
    )
    report_enrolment(state, recorded, receipt, as_json, line)


def enrol_phrase(
    ctx: typer.Context,
    performer_id: Annotated[str, typer.Argument(help="Performer id.")],
    as_json: JsonFlag = False,
) -> None:
    """Issue a random phrase for a voice enrolment: the performer reads it aloud, and the
    recording goes to `enrol-voice` with the token, before it expires."""
    phrase = state_of(ctx).services().phrase_enrolment.issue(performer_id)
    if as_json:
        render.emit_json(phrase_json(phrase))
    else:
        typer.echo(f"read aloud: {phrase.text}")
        typer.echo(f"token (until {phrase.expires_at.isoformat()}): {phrase.token}")


def enrol_voice(
    ctx: typer.Context,
    performer_id: Annotated[str, typer.Argument(help="Performer id.")],
    recording: Annotated[Path, typer.Argument(help="The performer reading the phrase.")],
    token: Annotated[str, typer.Option("--token", help="The token `enrol-phrase` printed.")],
    receipt: Receipt = None,
    as_json: JsonFlag = False,
) -> None:
    """Enrol a voice from a recording that says the phrase of `--token` (checked offline
    by speech recognition); at least 3 s of speech."""
    state = state_of(ctx)
    recorded = state.services().phrase_enrolment.enrol(performer_id, recording, token)
    line = f"phrase heard: enrolled the voice of {performer_id} ({recorded.value.model_id})"
    report_enrolment(state, recorded, receipt, as_json, line)
