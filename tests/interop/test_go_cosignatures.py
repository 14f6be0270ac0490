"""Our witnesses' cosignatures on our served checkpoint, verified by transparency-dev's
Go ``note.NewVerifierForCosignatureV1`` (vendored under gopath/, built GOPATH-style
beside Debian's golang.org/x/mod, offline), and a Go-made cosignature verified by us."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import pytest

from likeness.api.logserver import create_log_app
from likeness.api.witness_server import create_witness_app
from likeness.bootstrap import Services, build_services, initialise, initialise_witness
from likeness.ledger.cosignature import check_cosignatures, parse_cosignature_verifier, split_note
from likeness.ledger.entry import LogEvent
from likeness.services.events import PendingEvent
from likeness.services.witness_server import WitnessService
from likeness.settings import load_settings
from likeness.store.home import read_secret
from likeness.testing import FakeResolver, FixedClock
from tests.server import serving

pytestmark = pytest.mark.interop

HERE = Path(__file__).parent
GOPATH = f"{HERE / 'gopath'}:/usr/share/gocode"


@pytest.fixture(scope="session")
def cosigcheck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = shutil.which("go")
    if go is None or not Path("/usr/share/gocode/src/golang.org/x/mod/sumdb/note").is_dir():
        pytest.fail(
            "the Go interop tests need Debian's golang-go and golang-golang-x-mod-dev "
            "(scripts/system-deps installs them); deselect with -m 'not interop'"
        )
    out = tmp_path_factory.mktemp("go") / "cosigcheck"
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": GOPATH,
        "GOCACHE": str(out.parent / "cache"),
        "GOFLAGS": "",
    }
    subprocess.run([go, "build", "-o", str(out), str(HERE / "cosigcheck.go")], env=env, check=True)
    return out


def run(binary: Path, mode: str, payload: dict) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(binary), mode], input=json.dumps(payload), capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def witnessed_log(
    tmp_path: Path, clock: FixedClock
) -> Iterator[tuple[Services, list[WitnessService]]]:
    settings = load_settings(home=tmp_path / "log", egress_allow=("127.0.0.1/32",))
    initialise(settings, clock=clock)
    services = build_services(settings, clock=clock, resolver=FakeResolver())
    with ExitStack() as stack:
        stack.callback(services.close)
        witnesses = []
        for name in ("w1.example/witness", "w2.example/witness"):
            witness = initialise_witness(tmp_path / name.split(".")[0], name=name)
            witness.trust(services.ledger.verifier_key)
            port = stack.enter_context(serving(create_witness_app(witness)))
            services.witnesses.add(f"http://127.0.0.1:{port}", witness.verifier_key)
            witnesses.append(witness)
        at = datetime(2026, 5, 1, tzinfo=UTC)
        services.ledger.append(
            [PendingEvent(LogEvent("test.event", at, {"n": str(i)}), None) for i in range(20)]
        )
        assert all(r.cosigned for r in services.witnesses.sync())
        yield services, witnesses


def served_checkpoint(services: Services) -> str:
    with (
        serving(create_log_app(services.ledger)) as port,
        urllib.request.urlopen(f"http://127.0.0.1:{port}/log/checkpoint") as answer,
    ):
        return answer.read().decode()


def test_go_verifies_both_witnesses_cosignatures_on_the_served_checkpoint(
    cosigcheck: Path, witnessed_log: tuple[Services, list[WitnessService]]
) -> None:
    services, witnesses = witnessed_log
    checkpoint = served_checkpoint(services)
    payload = {
        "log_vkey": services.ledger.verifier_key,
        "witness_vkeys": [w.verifier_key for w in witnesses],
        "checkpoint": checkpoint,
    }
    result = run(cosigcheck, "verify", payload)
    assert result.returncode == 0, result.stderr
    ours = check_cosignatures(
        checkpoint, [parse_cosignature_verifier(w.verifier_key) for w in witnesses]
    )
    assert json.loads(result.stdout) == [
        {"name": c.name, "timestamp": c.timestamp} for c in ours.valid
    ]
    assert len(ours.valid) == 2

    # one bit of w2's cosignature changed: Go refuses the note
    lines = checkpoint.rstrip("\n").split("\n")
    prefix, blob = lines[-1].rsplit(" ", 1)
    raw = bytearray(base64.b64decode(blob))
    raw[-1] ^= 1
    altered = "\n".join([*lines[:-1], f"{prefix} {base64.b64encode(bytes(raw)).decode()}"]) + "\n"
    refused = run(cosigcheck, "verify", {**payload, "checkpoint": altered})
    assert refused.returncode == 1 and "note.Open" in refused.stderr
    # a witness whose line is missing: Go says which
    without = "\n".join(lines[:-1]) + "\n"
    missing = run(cosigcheck, "verify", {**payload, "checkpoint": without})
    assert missing.returncode == 1
    assert f"no cosignature by witness {witnesses[-1].name}" in missing.stderr


def test_a_cosignature_made_by_go_verifies_here(
    cosigcheck: Path, witnessed_log: tuple[Services, list[WitnessService]], tmp_path: Path
) -> None:
    services, witnesses = witnessed_log
    witness = witnesses[0]
    seed = read_secret(tmp_path / "w1" / "secrets" / "witness.key")
    vkey = parse_cosignature_verifier(witness.verifier_key)
    blob = base64.b64encode(b"\x04" + seed).decode()
    skey = f"PRIVATE+KEY+{witness.name}+{vkey.id.hex()}+{blob}"
    note = services.ledger.checkpoint()
    made = run(cosigcheck, "sign", {"skey": skey, "checkpoint": note})
    assert made.returncode == 0, made.stderr
    line = made.stdout.rstrip("\n")
    body, _ = split_note(note)
    found = vkey.verify_line(body, line)
    assert found is not None and found.name == witness.name
    assert vkey.verify_line(body.replace("\n22\n", "\n23\n"), line) is None
