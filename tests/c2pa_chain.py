"""A test certificate chain (ES256 root CA and signing leaf) and C2PA signing with it,
for tests that need media carrying a really signed manifest."""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
GENERATOR = {"name": "Test Image Model", "version": "2.1"}
SIGNER_NAME = "Test Generator signer"
ISSUER = "Test Generator Labs"


@dataclass(frozen=True)
class SigningChain:
    key: ec.EllipticCurvePrivateKey
    chain_pem: str  # leaf, then root

    def sign(self, data: bytes) -> bytes:
        """ES256 in the raw r‖s form COSE carries."""
        r, s = decode_dss_signature(self.key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def make_chain() -> SigningChain:
    now = datetime.now(UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name("Test Generator root CA")
    root = (
        _certificate(root_name, root_name, root_key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(sign_certificates=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), False)
        .sign(root_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        _certificate(_name(SIGNER_NAME), root_name, key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(sign_certificates=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
        .sign(root_key, hashes.SHA256())
    )
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (leaf, root))
    return SigningChain(key, pem.decode("ascii"))


def created(source_type: str) -> dict[str, Any]:
    """A manifest for media a generator made, declaring ``source_type`` (an IPTC code)."""
    return {
        "claim_generator_info": [GENERATOR],
        "title": "generated",
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": IPTC + source_type,
                            "softwareAgent": GENERATOR,
                        }
                    ]
                },
            }
        ],
    }


def sign(
    chain: SigningChain,
    source: Path,
    dest: Path,
    manifest: dict[str, Any],
    *,
    edit: bool = False,
    remote_url: str | None = None,
) -> Path:
    """``source`` with ``manifest`` signed into it, written to ``dest``. ``edit``: the
    manifest records an edit of ``source``, which becomes its parent ingredient (with
    its own manifest, if it has one). ``remote_url``: the manifest is left out of the
    file, which only refers to it at that URL."""
    import c2pa

    from likeness.provenance.sdk import offline_context

    mime = {".png": "image/png", ".jpg": "image/jpeg", ".wav": "audio/wav"}[source.suffix]
    signer = c2pa.Signer.from_callback(chain.sign, c2pa.C2paSigningAlg.ES256, chain.chain_pem)
    with c2pa.Builder(manifest, context=offline_context()) as builder:
        if edit:
            builder.set_intent(c2pa.C2paBuilderIntent.EDIT)
        if remote_url is not None:
            builder.set_no_embed()
            builder.set_remote_url(remote_url)
        out = io.BytesIO()
        with source.open("rb") as src:
            builder.sign(signer, mime, src, out)
    dest.write_bytes(out.getvalue())
    return dest


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """A PNG's chunks as (type, payload), signature left off."""
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        chunks.append((data[at + 4 : at + 8], data[at + 8 : at + 8 + length]))
        at += 12 + length
    return chunks


def png_from_chunks(chunks: list[tuple[bytes, bytes]]) -> bytes:
    """A PNG of these chunks, each with its CRC written anew (a decoder reads it)."""
    out = [b"\x89PNG\r\n\x1a\n"]
    for kind, payload in chunks:
        crc = zlib.crc32(kind + payload)
        out.append(struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc))
    return b"".join(out)


def _certificate(
    subject: x509.Name, issuer: x509.Name, key: ec.EllipticCurvePublicKey, now: datetime
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
    )


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ISSUER),
        ]
    )


def _usage(*, sign_certificates: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not sign_certificates,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=sign_certificates,
        crl_sign=sign_certificates,
        encipher_only=False,
        decipher_only=False,
    )
