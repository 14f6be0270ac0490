"""Typed values from the core to the edge: the public signatures of ``likeness.services``
and ``likeness.scan`` name dataclasses, enums, domain types and plain values, never
``Any``, ``object`` or a dict, Mapping or TypedDict of loosely typed values (nor an alias
of one). JSON is made only at the edges (``api/present.py``, ``scan/report.py``, the
event catalogue's log records, the stores)."""

from __future__ import annotations

import collections.abc
import dataclasses
import enum
import importlib
import inspect
import pkgutil
import types
import typing
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints, is_typeddict

import pytest

import likeness.scan
import likeness.services

PACKAGES = (likeness.services, likeness.scan)
# Values a dict or Mapping may hold (HTTP headers, counts by name): no structure hidden.
PLAIN = (str, int, float, bool, Decimal, date, datetime, Path, bytes)
MAPPINGS = (dict, collections.abc.Mapping, collections.abc.MutableMapping)


def _modules() -> Iterator[types.ModuleType]:
    for package in PACKAGES:
        yield package
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            yield importlib.import_module(info.name)


def _public_callables(module: types.ModuleType) -> Iterator[tuple[str, Callable[..., Any]]]:
    """Public functions, and the public methods (and ``__init__``) and dataclass fields
    of public classes, defined in ``module``."""
    for name, obj in vars(module).items():
        if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj):
            yield f"{module.__name__}.{name}", obj
        elif inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if attr.startswith("_") and attr != "__init__":
                    continue
                target = member.fget if isinstance(member, property) else member
                if isinstance(target, staticmethod | classmethod):
                    target = target.__func__
                if inspect.isfunction(target):
                    yield f"{module.__name__}.{name}.{attr}", target
            if dataclasses.is_dataclass(obj):
                yield f"{module.__name__}.{name} (fields)", obj


def _loose(annotation: Any, where: str) -> list[str]:
    """Why ``annotation`` is loosely typed (empty: it is not)."""
    if annotation is Any:
        return [f"{where}: Any"]
    if annotation is object:
        return [f"{where}: object"]
    if is_typeddict(annotation):
        return [f"{where}: TypedDict {annotation.__name__}"]
    origin, args = get_origin(annotation), get_args(annotation)
    if annotation in MAPPINGS or origin in MAPPINGS:
        if len(args) != 2 or not all(_plain(a) for a in args):
            return [f"{where}: {annotation}"]
        return []
    if origin is collections.abc.Callable and args and args[0] is Ellipsis:
        return [f"{where}: Callable[..., ...]"]
    problems = []
    for arg in args:
        if isinstance(arg, list):  # Callable's parameter list
            for item in arg:
                problems += _loose(item, where)
        elif arg is not Ellipsis:
            problems += _loose(arg, where)
    return problems


def _plain(annotation: Any) -> bool:
    if get_origin(annotation) in (typing.Union, types.UnionType):
        return all(_plain(a) for a in get_args(annotation))
    return annotation is type(None) or (
        inspect.isclass(annotation) and issubclass(annotation, (*PLAIN, enum.Enum))
    )


def _problems() -> list[str]:
    found = []
    for module in _modules():
        for where, obj in _public_callables(module):
            for name, annotation in get_type_hints(obj).items():
                found += _loose(annotation, f"{where}: {name}")
    return found


def test_the_walk_sees_the_services_and_the_scan() -> None:
    names = {where.split(":")[0] for module in _modules() for where, _ in _public_callables(module)}
    assert "likeness.services.uses.UseService.decide" in names
    assert "likeness.services.scans.ScanService.scan" in names
    assert "likeness.scan.detect.Detector.detect" in names
    assert len(names) > 150


def test_public_signatures_are_typed_values() -> None:
    assert _problems() == []


@pytest.mark.parametrize(
    ("annotation", "loose"),
    [
        (dict[str, Any], True),
        (dict[str, object], True),
        (dict[str, str], False),
        (typing.Mapping[str, int], False),
        (list[dict[str, Any]], True),
        (tuple[int, ...] | None, False),
        (dict[str, list[str]], True),
        (Callable[[Path], None], False),
        (Callable[..., int], True),
        (Any, True),
    ],
)
def test_the_walker_tells_loose_from_typed(annotation: Any, loose: bool) -> None:
    assert bool(_loose(annotation, "x")) is loose
