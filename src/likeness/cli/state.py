"""Per-invocation state: settings from flags and environment, services built on first use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer

from likeness.bootstrap import Services, build_services
from likeness.settings import Settings, load_settings


@dataclass
class CliState:
    home: Path | None = None
    overrides: dict[str, Any] = field(default_factory=dict)  # from a command's own flags
    # How services are built: the composition root; tests give it fakes
    # (``runner.invoke(app, args, obj=CliState(build=...))``).
    build: Callable[[Settings], Services] = build_services
    _settings: Settings | None = field(default=None, repr=False)
    _services: Services | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(home=self.home, **self.overrides)
        return self._settings

    def configure(self, **overrides: Any) -> None:
        """Settings a command's flags give (before anything is built from them)."""
        if self._settings is not None:
            raise RuntimeError("settings were read before the command's flags were applied")
        self.overrides.update(overrides)

    def services(self) -> Services:
        if self._services is None:
            self._services = self.build(self.settings())
        return self._services

    def close(self) -> None:
        if self._services is not None:
            self._services.close()
            self._services = None


def state_of(ctx: typer.Context) -> CliState:
    state = ctx.find_root().obj
    if not isinstance(state, CliState):  # only when a command is invoked outside the app
        raise RuntimeError("likeness CLI state missing; invoke commands through likeness.cli.app")
    return state
