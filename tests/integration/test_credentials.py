"""Clearance credentials (C2PA): sign a cleared deliverable, verify it offline with only
the log's verifier key, detect tampering, refuse a file with an appearance no consent
covers (fast tier: the fake encoders; the C2PA SDK and the signatures are real)."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from likeness.bootstrap import Services
from likeness.cli.app import EXIT_CODES, app
from likeness.domain.scan import ScanOptions
from likeness.errors import ErrorKind, InvalidInputError, NotClearedError
from likeness.ledger.entry import decode_entry
from likeness.provenance.clearance import LABEL
from likeness.provenance.credential import manifest_for
from likeness.provenance.sdk import load_c2pa, offline_context
from likeness.provenance.signing import sign_media
from likeness.services.credentials import verify
from likeness.services.home import load_credential_signer
from likeness.testing.media import BLUE, GREEN, RED, Block, Tone, face_image, tones_wav
from tests.casting import cast_with_consent
from tests.clips import make_clip
from tests.conftest import fake_cli

runner = CliRunner()


@pytest.fixture
def cast(fake_services: Services, tmp_path: Path) -> dict[str, str]:
    """Ada (red; a consent for her face in the film) and Bo (green; no consent)."""
    ids = cast_with_consent(fake_services, "ada", "bo")
    fake_services.enrolment.enrol(ids["ada"], [face_image(tmp_path / "ada.png", [Block(RED)])])
    fake_services.enrolment.enrol(ids["bo"], [face_image(tmp_path / "bo.png", [Block(GREEN)])])
    return ids


def _options(cast: dict[str, str]) -> ScanOptions:
    return ScanOptions(production_id=cast["film"])


def _manifest(path: Path) -> dict[str, Any]:
    c2pa = load_c2pa()
    with path.open("rb") as stream:
        reader = c2pa.Reader(_mime(path), stream, context=offline_context())
        active = reader.get_active_manifest()
    assert isinstance(active, dict)
    return active


def _mime(path: Path) -> str:
    return {".jpg": "image/jpeg", ".mp4": "video/mp4", ".wav": "audio/wav"}[path.suffix]


def _assertion(path: Path) -> dict[str, Any]:
    [data] = [a["data"] for a in _manifest(path)["assertions"] if a["label"] == LABEL]
    return dict(data)


def _failed(path: Path, key: str) -> list[str]:
    return [c.subject + ": " + c.detail for c in verify(path, key).failures()]


def test_an_image_is_signed_and_verifies_offline(
    fake_services: Services, cast: dict[str, str], tmp_path: Path
) -> None:
    still = face_image(tmp_path / "still.jpg", [Block(RED), Block(BLUE, x=400, size=100)])
    out = tmp_path / "signed.jpg"
    issued = fake_services.credentials.sign(still, out, _options(cast))
    key = fake_services.ledger.verifier_key

    verdict = verify(out, key)
    assert verdict.valid, verdict.failures()
    assert verdict.production_id == cast["film"]
    decisions = sorted(a.decision for a in verdict.appearances)
    assert decisions == ["covered", "unknown"]  # Ada, and a stranger nobody registered
    # The log holds both entries: the scan the assertion commits to, then the signing.
    scan_entry = decode_entry(issued.scan_receipt.entry)
    issued_entry = decode_entry(issued.issued_receipt.entry)
    assert scan_entry["type"] == "scan.cleared" and issued_entry["type"] == "credential.issued"
    assert issued.issued_receipt.index == issued.scan_receipt.index + 1


def test_the_assertion_names_no_performer(
    fake_services: Services, cast: dict[str, str], tmp_path: Path
) -> None:
    still = face_image(tmp_path / "still.jpg", [Block(RED)])
    out = tmp_path / "signed.jpg"
    fake_services.credentials.sign(still, out, _options(cast))
    data = _assertion(out)
    [appearance] = data["record"]["appearances"]
    # The performer is a commitment (base64 of an HMAC-SHA-256), never her id or name.
    assert len(base64.b64decode(appearance["performer"], validate=True)) == 32
    assert cast["ada"] not in json.dumps(data["record"])
    # Her registry id is only inside the granted entry's bytes, which the consent receipt
    # must carry as they are (docs/provenance.md says so): nowhere in the text.
    assert cast["ada"] not in json.dumps(data)
    assert b"Ada" not in out.read_bytes()
    # No thumbnail: a credential carries no picture of the performer.
    assert "thumbnail" not in json.dumps(_manifest(out)).lower()


def test_a_clip_and_a_recording_are_signed_and_verify(
    fake_services: Services, cast: dict[str, str], tmp_path: Path
) -> None:
    ada = face_image(tmp_path / "ada-shot.png", [Block(RED)])
    clip = make_clip(tmp_path / "clip.mp4", [(0, 2, ada), (2, 3, None)], size=(640, 360))
    music = tones_wav(tmp_path / "score.wav", [Tone(700, 0, 2)], duration=2)  # nobody's voice
    key = fake_services.ledger.verifier_key
    for source in (clip, music):
        out = tmp_path / f"signed{source.suffix}"
        fake_services.credentials.sign(source, out, _options(cast))
        verdict = verify(out, key)
        assert verdict.valid, (source.name, verdict.failures())
    assert [a.decision for a in verify(tmp_path / "signed.mp4", key).appearances] == ["covered"]


def test_a_file_with_an_uncovered_appearance_is_refused_and_nothing_is_written(
    fake_services: Services, cast: dict[str, str], tmp_path: Path
) -> None:
    still = face_image(tmp_path / "still.jpg", [Block(RED), Block(GREEN, x=400)])  # Bo too
    out = tmp_path / "signed.jpg"
    size = fake_services.ledger.size()
    with pytest.raises(NotClearedError, match=r"1 appearance\(s\) no consent covers: face"):
        fake_services.credentials.sign(still, out, _options(cast))
    assert not out.exists()
    assert list(tmp_path.glob(".signed.jpg.*")) == []  # no partial copy either
    # The scan flagged Bo (as every scan does); nothing was cleared or issued.
    types = [
        decode_entry(fake_services.ledger.receipt(i).entry)["type"]
        for i in range(size, fake_services.ledger.size())
    ]
    assert types == ["appearance.flagged"]


def test_the_cli_refuses_with_a_non_zero_exit(cast: dict[str, str], tmp_path: Path) -> None:
    still = face_image(tmp_path / "still.jpg", [Block(GREEN)])
    out = tmp_path / "signed.jpg"
    result = runner.invoke(
        app,
        ["--home", str(tmp_path / "home"), "credential", "sign", str(still),
         "--production", cast["film"], "--out", str(out)],
        obj=fake_cli(),
    )  # fmt: skip
    assert result.exit_code == EXIT_CODES[ErrorKind.CONFLICT], result.output
    assert "no consent covers" in result.output
    assert not out.exists()


def test_the_cli_signs_and_verifies(
    fake_services: Services, cast: dict[str, str], tmp_path: Path
) -> None:
    still = face_image(tmp_path / "still.jpg", [Block(RED)])
    out = tmp_path / "signed.jpg"
    home = ["--home", str(tmp_path / "home")]
    signed = runner.invoke(
        app,
        [*home, "credential", "sign", str(still), "--production", cast["film"], "--out", str(out)],
        obj=fake_cli(),
    )
    assert signed.exit_code == 0, signed.output
    assert "credential.issued at" in signed.output
    key_file = tmp_path / "log.vkey"
    key_file.write_text(fake_services.ledger.verifier_key, encoding="utf-8")
    # verify needs no data home: only the key.
    checked = runner.invoke(
        app, ["--home", str(tmp_path / "nowhere"), "credential", "verify", str(out),
              "--key", str(key_file), "--json"],
    )  # fmt: skip
    assert checked.exit_code == 0, checked.output
    report = json.loads(checked.output)
    assert report["valid"] is True and report["production_id"] == cast["film"]
    assert {c["subject"] for c in report["checks"]} >= {
        "manifest signature and hard binding",
        "signer",
        "scan record",
        "scan receipt",
    }


# -- tampering ------------------------------------------------------------------------


@pytest.fixture
def signed(fake_services: Services, cast: dict[str, str], tmp_path: Path) -> Path:
    still = face_image(tmp_path / "still.jpg", [Block(RED)])
    out = tmp_path / "signed.jpg"
    fake_services.credentials.sign(still, out, _options(cast))
    return out


def test_changed_bytes_are_detected(fake_services: Services, signed: Path) -> None:
    data = bytearray(signed.read_bytes())
    data[-300] ^= 0xFF  # in the picture, after the manifest
    signed.write_bytes(bytes(data))
    failed = _failed(signed, fake_services.ledger.verifier_key)
    assert any("hard binding" in f and "dataHash.mismatch" in f for f in failed), failed


def _resign(fake_services: Services, signed: Path, edit: Any, tmp_path: Path) -> Path:
    """The signed file's manifest edited and signed again with the deployment's own key:
    what an insider who holds the signing key (but not the log) could do."""
    data = _assertion(signed)
    edit(data)
    from likeness.provenance.clearance import parse_clearance

    clearance = parse_clearance(data)
    source = tmp_path / "unsigned.jpg"
    source.write_bytes(_original(signed))
    out = tmp_path / "forged.jpg"
    signer = load_credential_signer(fake_services.layout)  # the deployment's own key
    sign_media(source, out, manifest_for(clearance, "forged.jpg"), signer)
    return out


def _original(signed: Path) -> bytes:
    """The picture without its manifest (re-encoded: the hard binding is new anyway)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.open(signed).save(buffer, "JPEG")
    return buffer.getvalue()


def test_an_edited_record_is_detected(
    fake_services: Services, signed: Path, tmp_path: Path
) -> None:
    def later(data: dict[str, Any]) -> None:
        data["record"]["appearances"][0]["end"] = "99.00"

    forged = _resign(fake_services, signed, later, tmp_path)
    failed = _failed(forged, fake_services.ledger.verifier_key)
    assert failed == [
        "scan record: the assertion's record is not the one the log committed to (edited?)"
    ]


def test_a_receipt_from_another_log_is_detected(
    fake_services: Services, signed: Path, tmp_path: Path
) -> None:
    from likeness.ledger.note import Signer

    other = Signer(fake_services.settings.log_origin, b"\x07" * 32).verifier.encode()
    failed = _failed(signed, other)
    assert any(f.startswith("scan receipt: receipt checkpoint rejected") for f in failed), failed


def test_a_receipt_that_is_not_the_grant_is_detected(
    fake_services: Services, cast: dict[str, str], signed: Path, tmp_path: Path
) -> None:
    request_index = fake_services.consents.log_indexes(
        _assertion(signed)["record"]["appearances"][0]["consent_id"]
    )[0]  # consent.requested: in the log, of the right consent, but not its grant
    swapped = fake_services.ledger.receipt(request_index).to_json()

    def swap(data: dict[str, Any]) -> None:
        [consent] = data["consent_receipts"]
        data["consent_receipts"][consent] = swapped

    forged = _resign(fake_services, signed, swap, tmp_path)
    failed = _failed(forged, fake_services.ledger.verifier_key)
    assert len(failed) == 1 and "proves a consent.requested entry, not its grant" in failed[0]


def _forged_identity(signed: Path, *, same_serial: bool) -> Any:
    """A CA and leaf of someone else's making, with the deployment's names and, when
    ``same_serial``, the very serial number the logged record names (both are public)."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from likeness.provenance.certificates import KeyFileSigner

    genuine = x509.load_pem_x509_certificates(_assertion(signed)["ca_certificate"].encode())[0]
    serial = int(_assertion(signed)["record"]["signer"]["serial"])
    now = datetime.now(UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(genuine.subject)
        .issuer_name(genuine.subject)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(genuine.subject)
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(serial if same_serial else x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False), True
        )
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.EMAIL_PROTECTION]), False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return KeyFileSigner(key_pem, leaf.public_bytes(pem) + ca.public_bytes(pem))


@pytest.mark.parametrize("same_serial", [False, True])
def test_a_credential_moved_onto_other_media_by_another_signer_is_detected(
    fake_services: Services, signed: Path, tmp_path: Path, same_serial: bool
) -> None:
    """The genuine assertion copied onto another picture (Bo, who has no consent),
    signed by a look-alike certificate: the log proves the record, the new bytes hash
    right, and only the signer check stands between them."""
    from likeness.provenance.clearance import parse_clearance

    other = face_image(tmp_path / "other.jpg", [Block(GREEN)])
    out = tmp_path / "forged.jpg"
    clearance = parse_clearance(_assertion(signed))
    forger = _forged_identity(signed, same_serial=same_serial)
    sign_media(other, out, manifest_for(clearance, "other.jpg"), forger)
    failed = _failed(out, fake_services.ledger.verifier_key)
    assert failed == [
        "signer: the manifest was not signed under the CA the log names (another signer)"
    ]


def test_a_credential_carrying_another_ca_is_detected(
    fake_services: Services, signed: Path, tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives import serialization

    from likeness.provenance.clearance import parse_clearance

    forger = _forged_identity(signed, same_serial=True)
    data = _assertion(signed)
    from cryptography import x509

    data["ca_certificate"] = (
        x509.load_pem_x509_certificates(forger.chain_pem)[-1]
        .public_bytes(serialization.Encoding.PEM)
        .decode()
    )
    out = tmp_path / "forged.jpg"
    other = face_image(tmp_path / "other.jpg", [Block(GREEN)])
    sign_media(other, out, manifest_for(parse_clearance(data), "x.jpg"), forger)
    assert _failed(out, fake_services.ledger.verifier_key) == [
        "signer: the assertion's CA certificate is not the one the log names"
    ]


def test_a_damaged_manifest_is_reported_not_raised(fake_services: Services, signed: Path) -> None:
    data = bytearray(signed.read_bytes())
    start = data.find(b"jumb")
    for offset in range(start, start + 400, 20):  # bytes of the manifest store's boxes
        data[offset] ^= 0x5A
    signed.write_bytes(bytes(data))
    failed = _failed(signed, fake_services.ledger.verifier_key)
    assert failed and failed[0].startswith(("manifest: ", "manifest signature")), failed


def test_a_file_of_another_kind_is_invalid_not_an_error(
    fake_services: Services, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("a credential?")
    [failed] = _failed(notes, fake_services.ledger.verifier_key)
    assert failed.startswith("manifest: notes.txt: a clearance credential can be written into")


def test_a_file_without_a_credential_is_invalid(fake_services: Services, tmp_path: Path) -> None:
    plain = face_image(tmp_path / "plain.jpg", [Block(RED)])
    assert _failed(plain, fake_services.ledger.verifier_key) == [
        "manifest: the file carries no C2PA manifest"
    ]


# -- consents withdrawn since signing (--log) ---------------------------------------------


@pytest.mark.slow
def test_verify_with_the_log_reports_a_consent_revoked_since_signing(
    fake_services: Services, cast: dict[str, str], signed: Path, tmp_path: Path
) -> None:
    from likeness.domain.consent import Grantor
    from tests.server import running_server

    [appearance] = _assertion(signed)["record"]["appearances"]
    key = fake_services.ledger.verifier_key
    allow = {"LIKENESS_EGRESS_ALLOW": '["127.0.0.0/8"]'}  # the served log is on loopback
    with running_server(fake_services.settings.home) as base:
        args = ["--home", str(tmp_path / "nowhere"), "credential", "verify", str(signed),
                "--key", key, "--log", f"{base}/log"]  # fmt: skip
        before = runner.invoke(app, args, env=allow)
        assert before.exit_code == 0, before.output
        assert "ok: no consent relied on withdrawn" in before.output
        fake_services.consents.revoke(appearance["consent_id"], by=Grantor.PERFORMER)
        after = runner.invoke(app, [*args, "--json"], env=allow)
    assert after.exit_code == 16, after.output
    report = json.loads(after.output)
    assert report["valid"] is True  # what was signed still holds; the news is the revocation
    [withdrawn] = report["withdrawn_since_signing"]
    assert (withdrawn["consent_id"], withdrawn["type"]) == (
        appearance["consent_id"],
        "consent.revoked",
    )


def test_verify_with_a_log_it_may_not_reach_is_refused_before_connecting(
    fake_services: Services, signed: Path, tmp_path: Path
) -> None:
    # Loopback is not allow-listed here: the egress gate refuses before any connection.
    result = runner.invoke(
        app,
        ["--home", str(tmp_path / "nowhere"), "credential", "verify", str(signed),
         "--key", fake_services.ledger.verifier_key, "--log", "http://127.0.0.1:9/log"],
        env={"LIKENESS_EGRESS_ALLOW": "[]"},
    )  # fmt: skip
    assert result.exit_code == EXIT_CODES[ErrorKind.INVALID], result.output
    assert "refused: 127.0.0.1 (loopback) is not a public address" in result.output


def test_a_source_changed_while_signing_leaves_nothing_written(
    fake_services: Services, cast: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import likeness.services.credentials as credentials

    still = face_image(tmp_path / "still.jpg", [Block(RED)])
    out = tmp_path / "signed.jpg"
    real = credentials.sign_media

    def and_then_edited(*args: Any) -> None:
        real(*args)
        with still.open("ab") as handle:  # another program still writing the deliverable
            handle.write(b"\0")

    monkeypatch.setattr(credentials, "sign_media", and_then_edited)
    with pytest.raises(InvalidInputError, match="changed while it was being signed"):
        fake_services.credentials.sign(still, out, _options(cast))
    assert not out.exists()


class _ServedLog:
    """The egress gate's place, answering from this deployment's own log (what its
    /log routes serve), with one entry bundle doctored when asked: a mirror that hides
    a revocation."""

    def __init__(self, services: Services, hide: int | None = None) -> None:
        self._ledger = services.ledger
        self._hide = hide

    def send(self, method: str, url: str, **_: Any) -> Any:
        from likeness.egress import EgressResponse
        from likeness.ledger.tiles import decode_bundle, encode_bundle

        path = url.split("/log/", 1)[1]
        if path == "checkpoint":
            body = self._ledger.checkpoint().encode()
        else:
            body = self._ledger.tile(path).data
            if path.startswith("tile/entries/") and self._hide is not None:
                entries = decode_bundle(body)
                at = self._hide % 256
                if at < len(entries):
                    entries[at] = entries[0]  # the revocation swapped for an old entry
                body = encode_bundle(entries)
        return EgressResponse(status=200, elapsed=0.0, body=body, truncated=False)


def test_a_mirror_hiding_a_revocation_is_caught(
    fake_services: Services, cast: dict[str, str], signed: Path
) -> None:
    from likeness.domain.consent import Grantor
    from likeness.errors import LogIntegrityError
    from likeness.ledger.checkpoint import open_checkpoint
    from likeness.ledger.note import parse_verifier
    from likeness.services.log_follow import withdrawals_since

    verdict = verify(signed, fake_services.ledger.verifier_key)
    assert verdict.checkpoint is not None and verdict.scan_index is not None
    [consent] = {a.consent_id for a in verdict.appearances if a.consent_id}
    fake_services.consents.revoke(consent, by=Grantor.PERFORMER)
    revoked_at = fake_services.ledger.size() - 1
    verifier = parse_verifier(fake_services.ledger.verifier_key)
    kept = open_checkpoint(verdict.checkpoint, verifier)

    def follow(hide: int | None) -> Any:
        return withdrawals_since(
            _ServedLog(fake_services, hide),  # type: ignore[arg-type]
            "http://127.0.0.1:1/log",
            verifier,
            {consent},
            since=kept,
            first=verdict.scan_index + 1,
        )

    [withdrawn] = follow(None).withdrawals
    assert (withdrawn.consent_id, withdrawn.index) == (consent, revoked_at)
    with pytest.raises(LogIntegrityError, match=f"entry {revoked_at} served by .* is not in"):
        follow(revoked_at)


def test_the_signed_copy_keeps_the_source_s_mode(
    fake_services: Services, cast: dict[str, str], tmp_path: Path
) -> None:
    still = face_image(tmp_path / "still.jpg", [Block(RED)])
    still.chmod(0o644)
    out = tmp_path / "signed.jpg"
    fake_services.credentials.sign(still, out, _options(cast))
    assert out.stat().st_mode & 0o777 == 0o644  # a deliverable, not a secret


def test_a_key_left_without_its_chain_by_a_crash_is_made_again(
    fake_services: Services, cast: dict[str, str], tmp_path: Path
) -> None:
    import os

    layout = fake_services.layout
    layout.credential_chain.unlink()  # as if the process died after writing the key
    stale = layout.credential_key.stat().st_mtime - 3600
    os.utime(layout.credential_key, (stale, stale))
    old_key = layout.credential_key.read_bytes()
    still = face_image(tmp_path / "still.jpg", [Block(RED)])
    # the next process to sign: its credential service is built afresh
    fresh = dataclasses.replace(fake_services, _credentials=None)
    fresh.credentials.sign(still, tmp_path / "signed.jpg", _options(cast))
    assert layout.credential_chain.exists()
    assert layout.credential_key.read_bytes() != old_key
    assert verify(tmp_path / "signed.jpg", fake_services.ledger.verifier_key).valid
