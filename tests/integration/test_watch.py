"""Watched sources: a feed served on loopback by the test lists clips; a run fetches the
new ones through the egress gate, scans them and flags only what no consent covers;
whatever goes wrong with one item is recorded on it and the run goes on."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from typer.testing import CliRunner

from likeness.bootstrap import Services, build_services, initialise
from likeness.cli.app import app
from likeness.domain.watch import ItemStatus
from likeness.settings import load_settings
from likeness.testing import FixedClock
from likeness.testing.media import BLUE, GREEN, RED, Block, face_image
from tests.casting import cast_with_consent
from tests.clips import make_clip
from tests.conftest import fake_encoders

runner = CliRunner()
SIZE = (640, 360)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".xml": "application/rss+xml",
    }

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder served over HTTP on 127.0.0.1 (a platform's feed, as far as the watcher
    can tell)."""
    root = tmp_path / "site"
    root.mkdir()
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def watching(tmp_path: Path, clock: FixedClock) -> Iterator[Services]:
    settings = load_settings(
        home=tmp_path / "home", egress_allow=("127.0.0.1/32",), watch_max_bytes=2_000_000
    )
    initialise(settings, clock=clock)
    services = build_services(settings, clock=clock, encoders=fake_encoders())
    yield services
    services.close()


def _rss(base: str, names: list[str]) -> str:
    items = "".join(
        f"<item><title>{n}</title><enclosure url='{base}/{n}' type='video/mp4' length='1'/></item>"
        for n in names
    )
    return (
        f"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>{items}</channel></rss>"
    )


def test_a_run_flags_only_the_clip_no_consent_covers(
    watching: Services, site: tuple[Path, str], tmp_path: Path
) -> None:
    root, base = site
    cast = cast_with_consent(watching, "ada", "bo")  # Ada's face is consented; Bo's not
    watching.enrolment.enrol(cast["ada"], [face_image(tmp_path / "a.png", [Block(RED)])])
    watching.enrolment.enrol(cast["bo"], [face_image(tmp_path / "b.png", [Block(GREEN)])])
    bo = face_image(tmp_path / "bo-shot.png", [Block(GREEN)])
    ada = face_image(tmp_path / "ada-shot.png", [Block(RED)])
    stranger = face_image(tmp_path / "stranger.png", [Block(BLUE)])
    make_clip(root / "leak.mp4", [(0, 2, None), (2, 5, bo), (5, 6, None)], size=SIZE)
    make_clip(root / "trailer.mp4", [(0, 3, ada)], size=SIZE)
    make_clip(root / "crowd.mp4", [(0, 3, stranger)], size=SIZE)
    (root / "feed.xml").write_text(_rss(base, ["leak.mp4", "trailer.mp4", "crowd.mp4"]))
    watching.watch.add(f"{base}/feed.xml", cast["film"])

    done = watching.watch.run()
    statuses = {Path(i.url).name: i.status for i in done.items}
    assert statuses == {
        "leak.mp4": ItemStatus.FLAGGED,
        "trailer.mp4": ItemStatus.CLEAR,
        "crowd.mp4": ItemStatus.CLEAR,
    }
    [flag] = watching.scans.flags_for(cast["bo"])
    assert flag.location == f"{base}/leak.mp4"
    assert abs(float(flag.start) - 2.0) <= 1.0 and abs(float(flag.end) - 5.0) <= 1.0
    [leak] = [i for i in done.items if i.url.endswith("leak.mp4")]
    assert json.loads(leak.detail or "{}") == {"flags": [flag.log_index]}
    assert watching.scans.flags_for(cast["ada"]) == []
    # Seen by URL: a second run fetches nothing again.
    assert watching.watch.run().items == ()


def test_what_goes_wrong_with_an_item_is_recorded_and_the_run_goes_on(
    watching: Services, site: tuple[Path, str], tmp_path: Path
) -> None:
    root, base = site
    cast = cast_with_consent(watching, "ada", "bo")
    (root / "page.mp4").write_text("<html>not a clip</html>")  # a type the server says is mp4
    (root / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100)
    (root / "huge.mp4").write_bytes(b"\x00" * 2_500_000)  # over watch_max_bytes
    make_clip(root / "fine.mp4", [(0, 1, None)], size=SIZE)
    names = ["missing.mp4", "broken.mp4", "huge.mp4", "fine.mp4"]
    (root / "feed.xml").write_text(_rss(base, names))
    watching.watch.add(f"{base}/feed.xml", cast["film"])
    done = {Path(i.url).name: i for i in watching.watch.run().items}
    assert done["missing.mp4"].status is ItemStatus.ERROR
    assert "answered HTTP 404" in (done["missing.mp4"].detail or "")
    assert done["huge.mp4"].status is ItemStatus.ERROR
    assert "larger than 2000000 bytes" in (done["huge.mp4"].detail or "")
    assert done["broken.mp4"].status is ItemStatus.ERROR
    assert done["fine.mp4"].status is ItemStatus.CLEAR


def test_a_feed_on_a_refused_address_is_refused_when_added(
    watching: Services, tmp_path: Path
) -> None:
    from likeness.errors import EgressRefusedError

    cast = cast_with_consent(watching, "ada", "bo")
    with pytest.raises(EgressRefusedError, match="not a public address"):
        watching.watch.add("http://127.0.0.2:9/feed.xml", cast["film"])  # loopback, not listed


def test_an_unreachable_source_is_recorded_and_others_are_read(
    watching: Services, site: tuple[Path, str]
) -> None:
    root, base = site
    cast = cast_with_consent(watching, "ada", "bo")
    (root / "feed.xml").write_text(_rss(base, []))
    watching.watch.add(f"{base}/gone.xml", cast["film"])
    watching.watch.add(f"{base}/feed.xml", cast["film"])
    done = watching.watch.run()
    assert [(Path(u).name, "404" in e) for u, e in done.source_errors] == [("gone.xml", True)]
    assert {s.url.rsplit("/", 1)[1]: s.last_error is None for s in watching.watch.sources()} == {
        "gone.xml": False,
        "feed.xml": True,
    }


def test_the_cli_adds_lists_and_runs(
    watching: Services, site: tuple[Path, str], tmp_path: Path
) -> None:
    root, base = site
    cast = cast_with_consent(watching, "ada", "bo")
    (root / "feed.json").write_text(
        json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": []})
    )
    home = ["--home", str(watching.settings.home)]
    env = {"LIKENESS_EGRESS_ALLOW": '["127.0.0.1/32"]'}
    neither = runner.invoke(app, [*home, "watch", "add", f"{base}/feed.json"], env=env)
    assert neither.exit_code != 0 and "--production ID" in neither.output
    added = runner.invoke(
        app, [*home, "watch", "add", f"{base}/feed.json", "--production", cast["film"]], env=env
    )
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, [*home, "watch", "list", "--json"], env=env)
    assert [s["url"] for s in json.loads(listed.output)] == [f"{base}/feed.json"]
    ran = runner.invoke(app, [*home, "watch", "run"], env=env)
    assert ran.exit_code == 0 and "nothing new" in ran.output


def test_serve_s_loop_runs_the_watcher_until_stopped_and_survives_a_failed_round() -> None:
    import time

    from likeness.services.watch import WatchDispatcher, WatchRun

    rounds: list[int] = []
    errors: list[BaseException] = []

    def run() -> WatchRun:
        rounds.append(len(rounds))
        if len(rounds) == 2:
            raise RuntimeError("a source's server fell over")
        return WatchRun(items=(), source_errors=())

    loop = WatchDispatcher(run, interval=0.01, on_error=errors.append)
    loop.start()
    for _ in range(500):
        if len(rounds) >= 4:
            break
        time.sleep(0.01)
    loop.stop()
    stopped_at = len(rounds)
    time.sleep(0.05)
    assert stopped_at >= 4 and len(rounds) == stopped_at  # it went on, then stopped
    assert [str(e) for e in errors] == ["a source's server fell over"]


# -- issue 16, acceptance 1: from a feed to a notice, and the copy that comes back ------


@pytest.mark.slow
def test_a_flag_becomes_a_notice_and_an_altered_copy_is_caught_by_its_fingerprint(
    watching: Services, site: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.stay_down_clips import Alteration, make_altered_copy

    root, base = site
    cast = cast_with_consent(watching, "ada", "bo")
    watching.enrolment.enrol(cast["ada"], [face_image(tmp_path / "a.png", [Block(RED)])])
    watching.enrolment.enrol(cast["bo"], [face_image(tmp_path / "b.png", [Block(GREEN)])])
    bo = face_image(tmp_path / "bo-shot.png", [Block(GREEN, x=200, y=80)])
    ada = face_image(tmp_path / "ada-shot.png", [Block(RED)])
    stranger = face_image(tmp_path / "stranger.png", [Block(BLUE)])
    make_clip(root / "leak.mp4", [(0, 2, None), (2, 8, bo), (8, 9, None)], size=SIZE)
    make_clip(root / "trailer.mp4", [(0, 3, ada)], size=SIZE)
    make_clip(root / "crowd.mp4", [(0, 3, stranger)], size=SIZE)
    names = ["leak.mp4", "trailer.mp4", "crowd.mp4"]
    (root / "feed.xml").write_text(_rss(base, names))
    watching.watch.add(f"{base}/feed.xml", cast["film"])

    first = {Path(i.url).name: i.status for i in watching.watch.run().items}
    assert first == {
        "leak.mp4": ItemStatus.FLAGGED,
        "trailer.mp4": ItemStatus.CLEAR,
        "crowd.mp4": ItemStatus.CLEAR,
    }
    [flag] = watching.scans.flags_for(cast["bo"])
    assert [f.flag_log_index for f in watching.fingerprints.stored()] == [flag.log_index]

    # A notice, drafted from the flag: times within a second, receipts the verifier takes.
    home = ["--home", str(watching.settings.home)]
    out = tmp_path / "notice"
    drafted = runner.invoke(
        app,
        [*home, "takedown", "notice", str(flag.log_index), "--location", f"{base}/leak.mp4",
         "--out", str(out), "--contact", "agent@127.0.0.1", "--json"],
    )  # fmt: skip
    assert drafted.exit_code == 0, drafted.output
    notice = json.loads((out / "notice.json").read_text())
    text = json.dumps(notice)
    assert f"{base}/leak.mp4" in text
    [appearance] = [a for a in _appearances(notice) if a.get("flag_id") == flag.log_index]
    assert abs(float(appearance["start"]) - 2.0) <= 1.0
    assert abs(float(appearance["end"]) - 8.0) <= 1.0
    receipts = sorted(out.glob("receipt-*.json"))
    assert len(receipts) >= 2
    key = watching.ledger.verifier_key
    for receipt in receipts:
        checked = runner.invoke(app, ["log", "verify-receipt", str(receipt), "--key", key])
        assert checked.exit_code == 0, (receipt.name, checked.output)

    # The leak comes back re-encoded, scaled to half and trimmed, under another name: the
    # stay-down fingerprint catches it before any face is searched.
    make_altered_copy(
        root / "leak.mp4",
        root / "reupload.mp4",
        Alteration("re-encoded, halved, trimmed", scale=0.5, trim_start=1.0, trim_end=0.5),
    )
    (root / "feed.xml").write_text(_rss(base, [*names, "reupload.mp4"]))

    def no_scan(*args: object, **kwargs: object) -> None:
        raise AssertionError("the copy was scanned: the fingerprint should have caught it")

    monkeypatch.setattr(watching.scans, "scan", no_scan)
    [again] = watching.watch.run().items
    assert (Path(again.url).name, again.status) == ("reupload.mp4", ItemStatus.MATCHED)
    assert json.loads(again.detail or "{}") == {"flags": [flag.log_index]}


def _appearances(notice: dict[str, object]) -> list[dict[str, object]]:
    """Every object in the notice that has a flag_id (where a notice lists them)."""
    found: list[dict[str, object]] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            if "flag_id" in value and "start" in value:
                found.append(value)
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(notice)
    return found


def test_a_source_watched_for_any_production_flags_only_declared_replicas(
    watching: Services, site: tuple[Path, str], tmp_path: Path
) -> None:
    """Found outside any production, no consent can cover an appearance; only media
    declared AI-generated is flagged, the rest (an interview) listed for review."""
    from tests.c2pa_chain import created, make_chain, sign

    root, base = site
    cast = cast_with_consent(watching, "ada", "bo")  # Ada's consent is for the film only
    watching.enrolment.enrol(cast["ada"], [face_image(tmp_path / "a.png", [Block(RED)])])
    watching.enrolment.enrol(cast["bo"], [face_image(tmp_path / "b.png", [Block(GREEN)])])
    photo = face_image(tmp_path / "bo-photo.png", [Block(GREEN)])
    sign(make_chain(), photo, root / "deepfake.png", created("trainedAlgorithmicMedia"))
    interview = face_image(tmp_path / "ada-shot.png", [Block(RED)])
    make_clip(root / "interview.mp4", [(0, 3, interview)], size=SIZE)
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "items": [
            {"id": "1", "attachments": [{"url": "deepfake.png", "mime_type": "image/png"}]},
            {"id": "2", "url": f"{base}/interview.mp4"},
        ],
    }
    (root / "feed.json").write_text(json.dumps(feed))
    watching.watch.add(f"{base}/feed.json", None)

    done = {Path(i.url).name: i for i in watching.watch.run().items}
    assert done["deepfake.png"].status is ItemStatus.FLAGGED
    [flag] = watching.scans.flags_for(cast["bo"])
    assert flag.production_id is None and flag.location == f"{base}/deepfake.png"
    assert done["interview.mp4"].status is ItemStatus.REVIEW
    [listed] = json.loads(done["interview.mp4"].detail or "{}")["review"]
    assert (listed["performer_id"], listed["modality"]) == (cast["ada"], "face")
    assert watching.scans.flags_for(cast["ada"]) == []  # listed for her review, not flagged
