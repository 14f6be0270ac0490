"""Witnessed checkpoints: two witness servers on 127.0.0.1 (real HTTP, real Ed25519, their
own homes), a log that sends them its checkpoints through the egress gate, the
cosignatures served at /log/checkpoint and required by ``log verify-receipt``, and a
history rewritten in the database that the witnesses refuse to cosign."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete
from typer.testing import CliRunner

from likeness.api.logserver import create_log_app
from likeness.api.witness_server import create_witness_app
from likeness.bootstrap import (
    Services,
    build_services,
    initialise,
    initialise_witness,
    load_signer,
    open_witness,
)
from likeness.cli.app import EXIT_CODES, app
from likeness.domain.account import Role
from likeness.errors import ErrorKind
from likeness.ledger import log as tlog
from likeness.ledger.checkpoint import Checkpoint, open_checkpoint
from likeness.ledger.cosignature import check_cosignatures, parse_cosignature_verifier
from likeness.ledger.entry import LogEvent, decode_entry
from likeness.ledger.merkle import EMPTY_ROOT
from likeness.ledger.note import Signer, parse_verifier
from likeness.ledger.witness_protocol import AddCheckpoint
from likeness.services.events import PendingEvent
from likeness.services.witness_server import WitnessService
from likeness.settings import Settings, load_settings
from likeness.store import tables
from likeness.store.log_store import SqlLogStore
from likeness.testing import FakeResolver, FixedClock
from tests.api_world import bearer, client
from tests.server import free_port, serving

runner = CliRunner()
LOOPBACK = ("127.0.0.1/32",)


@dataclass
class RunningWitness:
    home: Path
    service: WitnessService
    url: str

    @property
    def key(self) -> str:
        return self.service.verifier_key

    def state_bytes(self) -> bytes:
        return (self.home / "state.json").read_bytes()


@pytest.fixture
def log_settings(tmp_path: Path) -> Settings:
    return load_settings(home=tmp_path / "log", egress_allow=LOOPBACK)


@pytest.fixture
def log_home(log_settings: Settings, clock: FixedClock) -> Iterator[Services]:
    initialise(log_settings, clock=clock)
    services = build_services(log_settings, clock=clock, resolver=FakeResolver())
    try:
        yield services
    finally:
        services.close()


@pytest.fixture
def witnesses(tmp_path: Path, log_home: Services) -> Iterator[list[RunningWitness]]:
    with ExitStack() as stack:
        running = []
        for name in ("w1.example/witness", "w2.example/witness"):
            home = tmp_path / name.split(".")[0]
            service = initialise_witness(home, name=name)
            service.trust(log_home.ledger.verifier_key)
            port = stack.enter_context(serving(create_witness_app(service)))
            running.append(RunningWitness(home, service, f"http://127.0.0.1:{port}"))
        yield running


def grow(services: Services, n: int, label: str = "e") -> None:
    at = datetime(2026, 5, 1, tzinfo=UTC)
    services.ledger.append(
        [
            PendingEvent(LogEvent(type="test.event", at=at, ids={"n": f"{label}{i}"}), None)
            for i in range(n)
        ]
    )


def post(url: str, body: bytes) -> tuple[int, str, str]:
    request = urllib.request.Request(f"{url}/add-checkpoint", data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers["content-type"], answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["content-type"], exc.read().decode()


def get_checkpoint(services: Services) -> str:
    with (
        serving(create_log_app(services.ledger)) as port,
        urllib.request.urlopen(f"http://127.0.0.1:{port}/log/checkpoint") as answer,
    ):
        return answer.read().decode()


def verifiers(running: list[RunningWitness]):
    return [parse_cosignature_verifier(w.key) for w in running]


def test_each_witness_cosigns_and_the_served_checkpoint_carries_both(
    log_home: Services, witnesses: list[RunningWitness]
) -> None:
    for w in witnesses:
        log_home.witnesses.add(w.url, w.key)
    grow(log_home, 5)
    results = log_home.witnesses.sync()
    assert [(r.cosigned, r.size, r.error) for r in results] == [(True, 7, None)] * 2
    served = get_checkpoint(log_home)
    # the log's own signature still verifies beside the cosignature lines
    checkpoint = open_checkpoint(served, parse_verifier(log_home.ledger.verifier_key))
    assert checkpoint.size == 7  # two witness.added events and five more
    assert sorted(c.name for c in check_cosignatures(served, verifiers(witnesses)).valid) == [
        "w1.example/witness",
        "w2.example/witness",
    ]
    assert served.count("\n\n") == 1 and served.count("\u2014 ") == 3
    # each witness keeps the checkpoint it cosigned, durably
    for w in witnesses:
        state = json.loads(w.state_bytes())
        assert state["logs"][checkpoint.origin]["size"] == 7
    # a second sync has nothing to send; a new entry is sent with a consistency proof
    assert log_home.witnesses.sync() == []
    grow(log_home, 3, "f")
    assert [r.cosigned for r in log_home.witnesses.sync()] == [True, True]
    assert check_cosignatures(get_checkpoint(log_home), verifiers(witnesses)).problem(2) is None
    # the witness list says what each cosigned last
    assert {w.cosigned_size for w in log_home.witnesses.witnesses()} == {10}
    kinds = [decode_entry(log_home.ledger.receipt(i).entry)["type"] for i in range(2)]
    assert kinds == ["witness.added", "witness.added"]


def test_a_rewritten_history_is_refused_by_both_witnesses_and_by_clients(
    log_home: Services,
    log_settings: Settings,
    clock: FixedClock,
    witnesses: list[RunningWitness],
    tmp_path: Path,
) -> None:
    for w in witnesses:
        log_home.witnesses.add(w.url, w.key)
    grow(log_home, 6)
    assert all(r.cosigned for r in log_home.witnesses.sync())
    honest = log_home.ledger.receipt(3)
    (tmp_path / "honest.json").write_text(honest.dumps())
    before = [w.state_bytes() for w in witnesses]

    # Rewrite history in the database: entry 3 changes, every hash is recomputed and a
    # checkpoint is signed with the log's own key, so the log alone looks sound.
    with log_home.database.read() as connection:
        entries = SqlLogStore(connection).entries(0, log_home.ledger.size())
    entries[3] = entries[3].replace(b"e1", b"XX")
    with log_home.database.write() as connection:
        for table in (tables.log_entries, tables.log_hashes, tables.log_state):
            connection.execute(delete(table))
        tlog.append(
            SqlLogStore(connection),
            entries,
            signer=load_signer(log_settings, log_home.layout),
            origin=log_settings.log_origin,
        )
    log_home.close()
    forked = build_services(log_settings, clock=clock, resolver=FakeResolver())
    try:
        assert forked.ledger.audit().ok  # internally consistent: only outsiders can tell
        grow(forked, 2, "g")
        results = forked.witnesses.sync()
        assert [r.cosigned for r in results] == [False, False]
        assert [r.forked for r in results] == [True, True]  # 'log witness sync' exits 10
        for r in results:
            assert "(422)" in (r.error or "") and "history differs" in (r.error or "")
        assert [w.state_bytes() for w in witnesses] == before  # nothing cosigned, nothing moved
        served = get_checkpoint(forked)
        assert check_cosignatures(served, verifiers(witnesses)).valid == ()
        assert all("422" in (w.last_error or "") for w in forked.witnesses.witnesses())
        (tmp_path / "forked.json").write_text(forked.ledger.receipt(3).dumps())
    finally:
        forked.close()

    key = log_home.ledger.verifier_key
    w1, w2 = (w.key for w in witnesses)
    base = ["log", "verify-receipt", "--key", key, "--witness", w1, "--witness", w2]
    ok = runner.invoke(app, [*base, "--min-witnesses", "1", str(tmp_path / "honest.json")])
    assert ok.exit_code == 0, ok.output
    assert "cosigned by witness w1.example/witness" in ok.output
    refused = runner.invoke(app, [*base, "--min-witnesses", "1", str(tmp_path / "forked.json")])
    assert refused.exit_code == EXIT_CODES[ErrorKind.INVALID]
    assert "0 of the 1 required witness cosignatures verify" in refused.output
    assert "missing: w1.example/witness+" in refused.output
    # without witnesses the forked receipt passes: the log key alone cannot tell
    alone = runner.invoke(
        app, ["log", "verify-receipt", "--key", key, str(tmp_path / "forked.json")]
    )
    assert alone.exit_code == 0, alone.output


def test_a_witness_answers_bad_requests_as_the_spec_says_and_keeps_its_state(
    log_home: Services, witnesses: list[RunningWitness]
) -> None:
    w = witnesses[0]
    grow(log_home, 4)
    note = log_home.ledger.checkpoint()
    assert post(w.url, AddCheckpoint(0, (), note).encode())[0] == 200
    state = w.state_bytes()
    grow(log_home, 3, "f")
    newer = log_home.ledger.checkpoint()
    proof = tuple(log_home.ledger.prove_consistency(4, 7))

    status, kind, body = post(w.url, AddCheckpoint(0, (), newer).encode())
    assert (status, kind, body) == (409, "text/x.tlog.size", "4\n")
    status, _, body = post(w.url, AddCheckpoint(4, (proof[0], *proof), newer).encode())
    assert status == 422 and "consistency proof from size 4 to 7 does not verify" in body
    status, _, body = post(w.url, AddCheckpoint(9, (), newer).encode())
    assert status == 400 and "old size 9 is larger than the checkpoint's size 7" in body
    stranger = Checkpoint("other.example/log", 1, EMPTY_ROOT).sign(
        Signer("other.example/log", b"\x01" * 32)
    )
    status, _, body = post(w.url, AddCheckpoint(0, (), stranger).encode())
    assert status == 404 and "does not witness the log 'other.example/log'" in body
    impostor = Signer(log_home.ledger.verifier_key.split("+")[0], b"\x02" * 32)
    forged = Checkpoint(impostor.name, 7, b"\x00" * 32).sign(impostor)
    status, _, body = post(w.url, AddCheckpoint(4, proof, forged).encode())
    assert status == 403 and "not signed by the log's trusted key" in body
    for malformed in (
        b"old 04\n\n" + newer.encode(),
        b"old 4\nnot-base64!\n\n" + newer.encode(),
        b"old 4\n",
    ):
        status, _, body = post(w.url, malformed)
        assert status == 400, body
    assert w.state_bytes() == state  # every refusal left the state as it was

    status, kind, body = post(w.url, AddCheckpoint(4, proof, newer).encode())
    assert status == 200 and body.startswith("\u2014 w1.example/witness ")
    assert json.loads(w.state_bytes())["logs"]


def test_concurrent_requests_cannot_both_advance_from_the_same_size(
    log_home: Services, witnesses: list[RunningWitness]
) -> None:
    w = witnesses[0]
    grow(log_home, 5)
    body = AddCheckpoint(0, (), log_home.ledger.checkpoint()).encode()
    answers: list[int] = []
    start = threading.Barrier(8)

    def send() -> None:
        start.wait()
        answers.append(post(w.url, body)[0])

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [200] + [409] * 7


def test_a_crash_while_writing_the_state_keeps_the_old_state(
    log_home: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    witness = initialise_witness(tmp_path / "w", name="w.example/witness")
    witness.trust(log_home.ledger.verifier_key)
    grow(log_home, 2)
    before = (tmp_path / "w" / "state.json").read_bytes()

    def crash(self: Path, target: Path) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", crash)
    with pytest.raises(OSError, match="No space left"):
        witness.add_checkpoint(AddCheckpoint(0, (), log_home.ledger.checkpoint()).encode())
    monkeypatch.undo()
    assert (tmp_path / "w" / "state.json").read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "w").iterdir()) == [
        "lock",
        "secrets",
        "state.json",
        "witness.json",
    ]  # no half-written file left beside it
    reopened = open_witness(tmp_path / "w")  # as after a restart
    answer = reopened.add_checkpoint(AddCheckpoint(0, (), log_home.ledger.checkpoint()).encode())
    assert answer.status == 200
    assert [log.size for log in reopened.logs()] == [2]


def test_the_witness_and_log_witness_commands(
    log_settings: Settings, clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIKENESS_EGRESS_ALLOW", json.dumps(list(LOOPBACK)))
    initialise(log_settings, clock=clock)
    w = tmp_path / "wit"
    made = runner.invoke(app, ["--home", str(w), "witness", "init", "--name", "cli.example/w"])
    assert made.exit_code == 0, made.output
    key = runner.invoke(app, ["--home", str(w), "witness", "key"]).output.strip()
    assert (
        key.startswith("cli.example/w+") and parse_cosignature_verifier(key).name == "cli.example/w"
    )
    assert (w / "secrets" / "witness.key").stat().st_mode & 0o777 == 0o600
    assert (w / "secrets" / "witness.key").read_text().strip() not in made.output + key
    home = ["--home", str(log_settings.home)]
    log_key = runner.invoke(app, [*home, "log", "key"]).output.strip()
    trusted = runner.invoke(app, ["--home", str(w), "witness", "trust", log_key])
    assert trusted.exit_code == 0 and "witnessing" in trusted.output
    with serving(create_witness_app(open_witness(w))) as port:
        added = runner.invoke(
            app, [*home, "log", "witness", "add", f"http://127.0.0.1:{port}", key]
        )
        assert added.exit_code == 0, added.output
        synced = runner.invoke(app, [*home, "log", "witness", "sync"])
        assert synced.exit_code == 0 and "cli.example/w: size 1 cosigned" in synced.output
    listed = json.loads(runner.invoke(app, [*home, "log", "witness", "list", "--json"]).output)
    assert [(x["name"], x["cosigned_size"]) for x in listed] == [("cli.example/w", 1)]
    checkpoint = runner.invoke(app, [*home, "log", "checkpoint"]).output
    assert check_cosignatures(checkpoint, [parse_cosignature_verifier(key)]).problem(1) is None
    receipt = tmp_path / "r.json"
    runner.invoke(app, [*home, "log", "receipt", "0", "-o", str(receipt)])
    verified = runner.invoke(
        app, ["log", "verify-receipt", "--key", log_key, "--witness", key, str(receipt)]
    )
    assert verified.exit_code == 0, verified.output
    removed = runner.invoke(app, [*home, "log", "witness", "remove", "cli.example/w"])
    assert removed.exit_code == 0
    again = runner.invoke(app, [*home, "log", "witness", "remove", "cli.example/w"])
    assert again.exit_code == EXIT_CODES[ErrorKind.NOT_FOUND]
    bad = runner.invoke(app, [*home, "log", "witness", "add", "http://127.0.0.1:1", log_key])
    assert bad.exit_code == EXIT_CODES[ErrorKind.INVALID] and "0x04" in bad.output


def test_audit_since_a_kept_checkpoint_over_the_api(log_home: Services) -> None:
    auditor = log_home.accounts.add_account("auditor", Role.AUDITOR)
    headers = bearer(log_home.accounts.create_api_key(auditor.id, "test").token)
    http = client(log_home)
    grow(log_home, 3)
    kept = http.get("/log/checkpoint").text  # what an outsider kept
    grow(log_home, 2, "f")

    answer = http.get("/v1/log/audit", params={"since": kept}, headers=headers)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["since_size"], answer.json()["size"]) == (3, 5)
    assert answer.json()["consistency_proof_length"] > 0

    altered = http.get(
        "/v1/log/audit", params={"since": kept.replace("\n3\n", "\n2\n")}, headers=headers
    )
    assert altered.status_code == 422
    assert "the kept checkpoint: checkpoint rejected" in altered.json()["error"]["message"]
    garbage = http.get("/v1/log/audit", params={"since": "not a checkpoint"}, headers=headers)
    assert garbage.status_code == 422 and "no signature block" in garbage.json()["error"]["message"]

    signer = load_signer(log_home.settings, log_home.layout)
    longer = Checkpoint(signer.name, 9, EMPTY_ROOT).sign(signer)
    truncated = http.get("/v1/log/audit", params={"since": longer}, headers=headers)
    assert truncated.json()["error"]["kind"] == "integrity"
    assert "history was truncated" in truncated.json()["error"]["message"]
    forked = Checkpoint(signer.name, 3, b"\x01" * 32).sign(signer)
    other = http.get("/v1/log/audit", params={"since": forked}, headers=headers)
    assert other.json()["error"]["kind"] == "integrity"
    assert "not consistent with the saved checkpoint of size 3" in other.json()["error"]["message"]


def test_serve_sends_new_checkpoints_to_a_witness_process_in_the_background(
    log_home: Services, tmp_path: Path
) -> None:
    witness_home = tmp_path / "wproc"
    witness = initialise_witness(witness_home, name="proc.example/w")
    witness.trust(log_home.ledger.verifier_key)
    port = free_port()
    command = [sys.executable, "-m", "likeness", "--home", str(witness_home), "witness"]
    process = subprocess.Popen([*command, "serve", "--port", str(port)], stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/healthz"))
        log_home.witnesses.add(f"http://127.0.0.1:{port}", witness.verifier_key)
        with client(log_home, deliver_webhooks=True) as http:  # runs the app's leader tasks
            grow(log_home, 4)
            verifier = parse_cosignature_verifier(witness.verifier_key)
            wait_for(
                lambda: check_cosignatures(http.get("/log/checkpoint").text, [verifier]).valid != ()
            )
            served = http.get("/log/checkpoint").text
        assert open_checkpoint(served, parse_verifier(log_home.ledger.verifier_key)).size == 5
        assert json.loads((witness_home / "state.json").read_text())["logs"]
    finally:
        process.terminate()
        process.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def wait_for(condition: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
