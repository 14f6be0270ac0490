"""Per-invocation state: settings from flags and environment, services built on first use."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import typer

from likeness.bootstrap import Services, build_services
from likeness.settings import Settings, load_settings


@dataclass
class CliState:
    home: Path | None = None
    _settings: Settings | None = field(default=None, repr=False)
    _services: Services | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(home=self.home)
        return self._settings

    def services(self) -> Services:
        if self._services is None:
            self._services = build_services(self.settings())
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
