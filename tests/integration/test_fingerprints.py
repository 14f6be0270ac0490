"""Stay-down fingerprints through the services (issue 16): a flag from a real scan (fake
encoders, a real clip) is fingerprinted and stored; a re-encoded, scaled and trimmed copy
is matched to that flag, an unrelated clip is not; the shareable block list carries the
flag id and hashes, no name, no performer or production id, no template."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path

import pytest

from likeness.bootstrap import Services
from likeness.domain.scan import ScanOptions
from likeness.errors import InvalidInputError
from likeness.testing.media import GREEN, RED, Block, face_image
from tests.casting import cast_with_consent
from tests.clips import make_clip
from tests.stay_down_clips import Alteration, make_altered_copy, make_source_clip

pytestmark = pytest.mark.slow


def test_a_flagged_segment_stays_down(fake_services: Services, tmp_path: Path) -> None:
    ids = cast_with_consent(fake_services, "ada", "bo")
    ada = face_image(tmp_path / "ada.png", [Block(RED)])
    bo = face_image(tmp_path / "bo.png", [Block(GREEN, x=300, y=180, size=160)])
    fake_services.enrolment.enrol(ids["ada"], [ada])
    fake_services.enrolment.enrol(ids["bo"], [bo])
    clip = make_clip(
        tmp_path / "clip.mp4", [(0, 4, ada), (4, 10, None), (10, 14, bo)], size=(640, 360)
    )
    fake_services.scans.scan([clip], ScanOptions(production_id=ids["film"]))
    [flag] = fake_services.scans.flags_for(ids["bo"])

    kept = fake_services.fingerprints.keep(flag, clip)
    assert (kept.flag_log_index, kept.kind, kept.start, kept.end) == (
        flag.log_index, "video", flag.start, flag.end,
    )  # fmt: skip
    assert kept.media_sha256 == flag.media_sha256
    assert fake_services.fingerprints.keep(flag, clip) == kept  # kept once
    assert fake_services.fingerprints.stored() == [kept]

    copy = make_altered_copy(
        clip, tmp_path / "copy.mp4", Alteration("all", scale=0.5, trim_start=2.0, trim_end=0.5)
    )
    [found] = fake_services.fingerprints.match(copy)
    assert found.flag_id == flag.log_index
    assert found.kind == "video"
    assert found.flagged_sha256 == flag.media_sha256
    assert 7.5 <= found.offset <= 8.5  # Bo from 10 s in the clip, 8 s in the trimmed copy

    unrelated = make_source_clip(tmp_path / "other.mp4", 4, duration=8, size=(640, 360))
    assert fake_services.fingerprints.match(unrelated) == []

    text = fake_services.fingerprints.block_list()
    head, line = (json.loads(row) for row in text.splitlines())
    assert head["format"] == "likeness-stay-down-fingerprints"
    assert set(line) == {"flag_id", "kind", "start_s", "end_s", "duration_s", "fingerprint"}
    assert line["flag_id"] == flag.log_index
    assert base64.b64decode(line["fingerprint"]) == kept.data
    for secret in (ids["bo"], ids["ada"], ids["film"], "Bo", "Ada", "clip.mp4"):
        assert secret not in text

    # The same from the command line: the block list written, a copy matched (exit 0),
    # an unrelated clip not (exit 1).
    from typer.testing import CliRunner

    from likeness.cli.app import app

    runner, home = CliRunner(), ["--home", str(fake_services.settings.home)]
    listed = runner.invoke(
        app, [*home, "takedown", "fingerprints", "--out", str(tmp_path / "stay-down.jsonl")]
    )
    assert listed.exit_code == 0, listed.output
    assert (tmp_path / "stay-down.jsonl").read_text(encoding="utf-8") == text
    matched = runner.invoke(app, [*home, "takedown", "match", str(copy), "--json"])
    assert matched.exit_code == 0, matched.output
    answer = json.loads(matched.output)
    assert answer["matched"] is True
    assert [(m["flag_id"], m["notice"]) for m in answer["matches"]] == [(flag.log_index, None)]
    missed = runner.invoke(app, [*home, "takedown", "match", str(unrelated)])
    assert missed.exit_code == 1 and "no flagged segment" in missed.output


def test_a_flag_keeps_its_first_fingerprint_and_an_unlogged_one_none(
    fake_services: Services, tmp_path: Path
) -> None:
    ids = cast_with_consent(fake_services, "ada", "bo")
    bo = face_image(tmp_path / "bo.png", [Block(GREEN)])
    fake_services.enrolment.enrol(ids["bo"], [bo])
    clip = make_clip(tmp_path / "clip.mp4", [(0, 3, bo)], size=(320, 180))
    fake_services.scans.scan([clip], ScanOptions(production_id=ids["film"]))
    [flag] = fake_services.scans.flags_for(ids["bo"])
    first = fake_services.fingerprints.keep(flag, clip)  # the scan may have kept it already
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(b"\x00" * 4096)
    # the flagged segment's fingerprint is made once; a later call does not replace it
    assert fake_services.fingerprints.keep(flag, damaged) == first
    assert [f.flag_log_index for f in fake_services.fingerprints.stored()] == [flag.log_index]
    with pytest.raises(InvalidInputError, match="once it is in the log"):
        fake_services.fingerprints.keep(replace(flag, log_index=-1), clip)
