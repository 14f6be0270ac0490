"""RFC 8785 JSON Canonicalization Scheme (JCS), for the values the log holds.

Objects' keys are sorted by their UTF-16 code units (RFC 8785 §3.2.3), strings
are written as ECMAScript's JSON.stringify writes them (§3.2.2.2), no
whitespace is emitted. Numbers are limited to integers within ±(2^53 - 1),
which serialise identically in every conforming implementation; floats are
refused (money travels as decimal strings), as are lone surrogates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from json.encoder import encode_basestring

MAX_SAFE_INTEGER = 2**53 - 1

JsonValue = None | bool | int | str | Sequence["JsonValue"] | Mapping[str, "JsonValue"]


class CanonicalError(ValueError):
    """A value cannot be canonicalised."""


def canonical_json(value: JsonValue) -> bytes:
    return canonical_text(value).encode("utf-8")


def canonical_text(value: JsonValue) -> str:
    out: list[str] = []
    _write(value, out)
    return "".join(out)


def object_text(members: Mapping[str, str]) -> str:
    """An object whose members' values are already canonical text (for building one
    canonical document out of parts canonicalised once)."""
    out = ["{"]
    for i, key in enumerate(_sorted_keys(members)):
        if i:
            out.append(",")
        out.append(_string(key))
        out.append(":")
        out.append(members[key])
    out.append("}")
    return "".join(out)


def _write(value: JsonValue, out: list[str]) -> None:
    kind = type(value)  # exact types first: the common case, without isinstance chains
    if kind is str:
        out.append(_string(value))  # type: ignore[arg-type]
        return
    if kind is dict:
        _write_object(value, out)  # type: ignore[arg-type]
        return
    if kind is list or kind is tuple:
        out.append("[")
        for i, item in enumerate(value):  # type: ignore[arg-type]
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
        return
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise CanonicalError(f"integer {value} is outside the I-JSON safe range")
        out.append(str(int(value)))  # an int subclass (IntEnum) is written as its number
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, Mapping):
        _write_object(value, out)
    elif isinstance(value, bytes | bytearray | memoryview | range):
        raise CanonicalError(f"{type(value).__name__} values are not JSON; encode them first")
    elif isinstance(value, Sequence):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise CanonicalError(f"{type(value).__name__} values are not allowed in log entries")


def _sorted_keys(value: Mapping[str, object]) -> list[str]:
    for key in value:
        if not isinstance(key, str):
            raise CanonicalError("object keys must be strings")
        if not key.isascii():
            _string(key)  # a lone surrogate is refused before keys are sorted
    # For keys in the Basic Multilingual Plane, UTF-16 order is code-point order.
    bmp = all(k.isascii() or max(k) < "\U00010000" for k in value)
    return sorted(value) if bmp else sorted(value, key=lambda k: k.encode("utf-16-be"))


def _write_object(value: Mapping[str, JsonValue], out: list[str]) -> None:
    keys = _sorted_keys(value)
    out.append("{")
    for i, key in enumerate(keys):
        if i:
            out.append(",")
        out.append(_string(key))
        out.append(":")
        _write(value[key], out)
    out.append("}")


def _string(text: str) -> str:
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise CanonicalError("strings must not contain lone surrogates") from None
    # The encoder behind json.dumps(ensure_ascii=False) escapes exactly what
    # JSON.stringify escapes: quote, backslash, \b \f \n \r \t, other controls
    # as lower-case \u00xx.
    return encode_basestring(text)
