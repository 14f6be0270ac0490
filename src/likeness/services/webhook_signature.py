"""Signing and verifying webhook requests (the Standard Webhooks scheme, HMAC-SHA-256).

Each request carries three headers::

    webhook-id:        the delivery's id (the same on every retry)
    webhook-timestamp: seconds since the epoch when this attempt was signed
    webhook-signature: v1,<base64 HMAC-SHA-256 of "<id>.<timestamp>.<body>">

A receiver verifies the signature with the endpoint's secret, refuses a timestamp
outside its tolerance (a replay of an old request) and an id it has already accepted
(a replay within the tolerance). ``verify`` does all three; receivers may copy it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping

from likeness.errors import WebhookSignatureError

SECRET_PREFIX = "whsec_"  # noqa: S105 - a public prefix, not a secret
TOLERANCE_SECONDS = 300
__all__ = ["WebhookSignatureError", "headers", "new_secret", "sign", "verify"]


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        raise WebhookSignatureError(f"a webhook secret starts with {SECRET_PREFIX!r}")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except binascii.Error:
        key = b""
    if not key:
        raise WebhookSignatureError(
            f"a webhook secret is {SECRET_PREFIX!r} followed by the base64 of a non-empty key"
        )
    return key


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    mac = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
        "content-type": "application/json",
    }


def verify(
    secret: str,
    request_headers: Mapping[str, str],
    body: bytes,
    *,
    now: int,
    seen: Callable[[str], bool] = lambda _: False,
    tolerance: int = TOLERANCE_SECONDS,
) -> str:
    """The message id of a genuine, fresh, first-seen request; raises otherwise.

    ``seen(id)`` answers whether this id was accepted before (and should remember it).
    """
    lowered = {k.lower(): v for k, v in request_headers.items()}
    try:
        message_id = lowered["webhook-id"]
        timestamp = int(lowered["webhook-timestamp"])
        signatures = lowered["webhook-signature"].split()
    except (KeyError, ValueError):
        raise WebhookSignatureError("missing or malformed webhook-* headers") from None
    if abs(now - timestamp) > tolerance:
        raise WebhookSignatureError(
            f"timestamp {timestamp} is more than {tolerance} s from now: "
            "a stale or replayed request"
        )
    expected = sign(secret, message_id, timestamp, body).encode()
    # compared as bytes: compare_digest refuses non-ASCII str (a forged header)
    if not any(
        hmac.compare_digest(expected, given.encode(errors="replace")) for given in signatures
    ):
        raise WebhookSignatureError("the signature does not match the body and secret")
    if seen(message_id):
        raise WebhookSignatureError(f"message {message_id} was already accepted: a replay")
    return message_id
