"""The deployment's C2PA signing identity: an ES256 (P-256) key and its certificate chain.

``init`` makes a small private CA and one signing certificate under it. C2PA readers
want a chain (leaf first, then issuers) whose leaf may sign (digitalSignature) for a
C2PA-accepted purpose (emailProtection here); trust in it is not taken from a trust
list but from the log: every clearance assertion's logged record names the SHA-256 of
the CA certificate, and a verifier accepts only a manifest whose signing chain leads to
that CA (docs/provenance.md).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_YEARS = 20
LEAF_YEARS = 5
P256_COORDINATE = 32


@dataclass(frozen=True)
class SigningIdentity:
    """PEM texts of a signing key and its chain (leaf first), and the CA's key."""

    key_pem: bytes  # the leaf's private key (PKCS#8, unencrypted: stored 0600 in secrets/)
    chain_pem: bytes  # leaf certificate, then the CA certificate
    ca_key_pem: bytes  # to issue the next leaf when this one expires


def make_identity(organisation: str, *, now: datetime) -> SigningIdentity:
    """A new CA and a signing certificate under it, for ``organisation``."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"{organisation} clearance CA", organisation)
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{organisation} clearance signer", organisation))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * LEAF_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    return SigningIdentity(
        key_pem=_private_pem(key),
        chain_pem=leaf.public_bytes(serialization.Encoding.PEM)
        + ca.public_bytes(serialization.Encoding.PEM),
        ca_key_pem=_private_pem(ca_key),
    )


def ca_of(chain_pem: bytes) -> bytes:
    """The last certificate of a PEM chain (the CA that anchors it), as PEM."""
    certificates = x509.load_pem_x509_certificates(chain_pem)
    if len(certificates) < 2:
        raise ValueError("the signing chain holds no CA certificate after the leaf")
    return certificates[-1].public_bytes(serialization.Encoding.PEM)


def pem_fingerprint(pem: bytes) -> str:
    """SHA-256 (hex) of the DER of a PEM certificate."""
    certificate = x509.load_pem_x509_certificate(pem)
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def leaf_fingerprint(chain_pem: bytes) -> str:
    """SHA-256 (hex) of the DER of the first certificate of a PEM chain."""
    leaf = x509.load_pem_x509_certificate(chain_pem)
    return hashlib.sha256(leaf.public_bytes(serialization.Encoding.DER)).hexdigest()


def der_fingerprint(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


class KeyFileSigner:
    """Signs with a P-256 key held in memory: the local stand-in for an HSM, which would
    implement the same two members (``chain_pem`` and ``sign``)."""

    def __init__(self, key_pem: bytes, chain_pem: bytes) -> None:
        key = serialization.load_pem_private_key(key_pem, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
            raise ValueError("the C2PA signing key must be an ECDSA P-256 key (ES256)")
        self._key = key
        self.chain_pem = chain_pem

    def sign(self, data: bytes) -> bytes:
        """ES256 over ``data``: the raw r‖s form COSE wants, not DER."""
        r, s = decode_dss_signature(self._key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(P256_COORDINATE, "big") + s.to_bytes(P256_COORDINATE, "big")


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
        ]
    )


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _private_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
