"""One error table: every error class lives in ``likeness.errors``, and every kind has an
HTTP status and an exit code."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import likeness
from likeness.api.errors import STATUS_BY_KIND, likeness_error_response
from likeness.cli.app import EXIT_CODES
from likeness.errors import ErrorKind, LikenessError


def _every_module() -> list[str]:
    names = [
        m.name
        for m in pkgutil.walk_packages(likeness.__path__, "likeness.")
        # __main__ runs the CLI; Alembic's env.py runs only under Alembic
        if not m.name.endswith("__main__") and ".migrations" not in m.name
    ]
    for name in names:
        importlib.import_module(name)  # defines every subclass there is
    return names


def _subclasses(cls: type[LikenessError]) -> set[type[LikenessError]]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_every_error_class_is_defined_in_the_errors_module() -> None:
    assert len(_every_module()) > 100
    outside = sorted(
        f"{c.__module__}.{c.__qualname__}"
        for c in _subclasses(LikenessError)
        if c.__module__ != "likeness.errors"
    )
    assert outside == []


def test_every_error_class_has_a_kind_of_the_table() -> None:
    _every_module()
    for cls in (LikenessError, *_subclasses(LikenessError)):
        assert isinstance(cls.kind, ErrorKind), cls


@pytest.mark.parametrize("kind", list(ErrorKind))
def test_every_kind_has_an_http_status_and_an_exit_code(kind: ErrorKind) -> None:
    assert kind in STATUS_BY_KIND, f"api/errors.py gives {kind} no HTTP status"
    assert kind in EXIT_CODES, f"cli/app.py gives {kind} no exit code"


def test_exit_codes_and_statuses_tell_kinds_apart() -> None:
    assert len(set(EXIT_CODES.values())) == len(EXIT_CODES)
    assert not {0, 2, 12} & set(EXIT_CODES.values())  # success, usage, the scan's gate


def test_the_envelope_names_the_kind_of_every_error_class() -> None:
    _every_module()
    for cls in (LikenessError, *_subclasses(LikenessError)):
        error = cls.__new__(cls)
        LikenessError.__init__(error, "what happened", hint="what to do")
        answer = likeness_error_response(error)
        assert answer.status_code == STATUS_BY_KIND[cls.kind]
        assert f'"kind":"{cls.kind.value}"'.encode() in answer.body
