"""Running the server: one uvicorn process, or several sharing the port (``--workers``).

With one worker the app is built here, over the command's services, and run in this
process (as before ``--workers`` existed). With N, uvicorn's supervisor (this process)
starts N worker processes, each of which imports ``worker_app`` or ``log_worker_app``
and builds its own services from the same settings: the command's data home and flags
reach them as ``LIKENESS_*`` variables, set before the workers start (uvicorn spawns
fresh interpreters, which inherit the environment and nothing else). What must happen
once whatever the number of workers (webhook delivery, the retention schedule) runs
under a leader lock in one of them (``api/app.py``).
"""

from __future__ import annotations

import json
import os
from enum import Enum
from pathlib import Path
from typing import Any

from likeness.bootstrap import Services, build_services
from likeness.cli import retention
from likeness.cli.state import CliState
from likeness.settings import load_settings

API_WORKER = "likeness.cli.serving:worker_app"
LOG_WORKER = "likeness.cli.serving:log_worker_app"


def run(state: CliState, *, host: str, port: int, workers: int, log_only: bool) -> None:
    """Serve until stopped (SIGINT or SIGTERM; with several workers, the supervisor
    stops them all, and starts a new one in place of one that dies)."""
    import uvicorn

    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": "warning",
        # The client's address keys login throttling: X-Forwarded-For is believed only
        # when the operator names the proxies that send it (FORWARDED_ALLOW_IPS).
        "proxy_headers": "FORWARDED_ALLOW_IPS" in os.environ,
    }
    if workers == 1:
        services = state.services()
        uvicorn.run(log_app(services) if log_only else api_app(services), **options)
        return
    os.environ.update(worker_environment(state))
    state.close()  # checked and migrated; each worker builds its own
    uvicorn.run(LOG_WORKER if log_only else API_WORKER, factory=True, workers=workers, **options)


def api_app(services: Services, *, close_services: bool = False) -> Any:
    """The API, portal and log, with the retention schedule run in the background."""
    from likeness.api.app import create_app

    return create_app(
        services,
        background={"retention": lambda: retention.scheduler(services)},
        close_services=close_services,
    )


def log_app(services: Services) -> Any:
    from likeness.api.logserver import create_log_app

    return create_log_app(services.ledger)


def worker_app() -> Any:
    """uvicorn's factory in each worker process of ``serve --workers N``."""
    return api_app(build_services(load_settings()), close_services=True)


def log_worker_app() -> Any:
    """uvicorn's factory in each worker process of ``serve --log-only --workers N``."""
    return log_app(build_services(load_settings()))


def worker_environment(state: CliState) -> dict[str, str]:
    """The ``LIKENESS_*`` variables that give a worker the command's settings: the data
    home and the settings its flags chose (the rest came from the environment, which
    the workers inherit)."""
    settings = state.settings()
    chosen = {"home", *state.overrides}
    return {f"LIKENESS_{name.upper()}": _variable(getattr(settings, name)) for name in chosen}


def _variable(value: object) -> str:
    """A setting's value as pydantic-settings reads it back from a variable."""
    secret = getattr(value, "get_secret_value", None)  # SecretStr
    if callable(secret):
        return str(secret())
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple | list):
        return json.dumps(list(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
