"""The root command: global options, the error boundary, and ``init``/``status``/``version``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from typer._click import Context as ClickContext  # typer vendors click; its Context type
from typer.core import TyperGroup

from likeness import __version__
from likeness.bootstrap import initialise
from likeness.cli import (
    accounts,
    backup,
    calibration,
    consents,
    credentials,
    extras,
    live_enrolment,
    log,
    performers,
    productions,
    recognition,
    render,
    retention,
    rules,
    scan,
    serving,
    takedown,
    uses,
    watch,
    witness,
)
from likeness.cli.state import CliState, state_of
from likeness.errors import ConfigurationError, ErrorKind, LikenessError
from likeness.settings import Environment, Settings, load_settings

# Exit status by error kind; documented in README.md ("Exit status"). 2 is Click's usage
# error and 12 the scan's release gate (--fail-on).
EXIT_CODES: dict[ErrorKind, int] = {
    ErrorKind.ERROR: 1,
    ErrorKind.CONFIGURATION: 3,
    ErrorKind.HOME: 4,
    ErrorKind.STORE: 5,
    ErrorKind.INVALID: 6,
    ErrorKind.NOT_FOUND: 7,
    ErrorKind.CONFLICT: 8,
    ErrorKind.UNAUTHENTICATED: 9,
    ErrorKind.INTEGRITY: 10,
    ErrorKind.FORBIDDEN: 11,
    ErrorKind.UNSUPPORTED_MEDIA_TYPE: 13,
    ErrorKind.PAYLOAD_TOO_LARGE: 14,
    ErrorKind.UPSTREAM: 15,
}


class _ErrorBoundary(TyperGroup):
    """The one place where the CLI turns a ``LikenessError`` into a message and an exit code."""

    def invoke(self, ctx: ClickContext) -> Any:
        try:
            return super().invoke(ctx)
        except LikenessError as exc:
            Console(stderr=True, highlight=False).print(
                f"error: {exc.diagnostics()}", markup=False, soft_wrap=True
            )
            ctx.exit(EXIT_CODES[exc.kind])
        finally:
            if isinstance(ctx.obj, CliState):
                ctx.obj.close()


app = typer.Typer(
    cls=_ErrorBoundary,
    help="Likeness Ledger: consent, compensation and a verifiable ledger for digital replicas.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(performers.app, name="performer")
app.add_typer(productions.app, name="production")
app.add_typer(accounts.accounts, name="account")
app.add_typer(accounts.apikeys, name="apikey")
app.add_typer(log.app, name="log")
app.add_typer(rules.app, name="rules")
app.add_typer(consents.app, name="consent")
app.add_typer(credentials.app, name="credential")
app.add_typer(uses.app, name="use")
app.command("statement")(uses.statement)
app.command("enrol")(recognition.enrol)
app.command("enrol-video")(live_enrolment.enrol_video)
app.command("enrol-phrase")(live_enrolment.enrol_phrase)
app.command("enrol-voice")(live_enrolment.enrol_voice)
app.command("identify")(recognition.identify)
app.command("reindex")(recognition.reindex)
app.command("calibrate")(calibration.calibrate)
app.add_typer(calibration.app, name="calibration")
app.command("scan")(scan.scan)
app.add_typer(recognition.matches, name="match")
app.add_typer(retention.app, name="retention")
app.command("backup")(backup.backup)
app.command("restore")(backup.restore_command)
app.add_typer(backup.db, name="db")
app.add_typer(witness.app, name="witness")
app.add_typer(takedown.app, name="takedown")
app.add_typer(watch.app, name="watch")
app.add_typer(extras.app, name="extras")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]


@app.callback()
def root(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            help="Data home (default: $LIKENESS_HOME or ./likeness-data).",
            show_default=False,
        ),
    ] = None,
) -> None:
    if isinstance(ctx.obj, CliState):  # given by a test, with its own composition
        ctx.obj.home = home
    else:
        ctx.obj = CliState(home=home)


@app.command()
def init(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Create a data home: database, master key and signing key (mode 0600, never printed)."""
    state = state_of(ctx)
    layout = initialise(state.settings())
    if not as_json:
        typer.echo(f"initialised data home at {layout.root}")
    _print_status(state, as_json)


@app.command()
def status(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Show the data home, database, schema revision and counts."""
    _print_status(state_of(ctx), as_json)


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Create the data home if needed and seed demo performers, a production, "
            "consents, uses and a scan (development only).",
        ),
    ] = False,
    log_only: Annotated[
        bool, typer.Option("--log-only", help="Serve only the log (/log/...), not the API.")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes sharing the port (each with its own connections and "
            "caches; webhook delivery and retention run in one of them).",
        ),
    ] = 1,
) -> None:
    """Serve the API (/v1, OpenAPI at /openapi.json), the portal (/) and the log (/log).

    Runs as production unless LIKENESS_ENVIRONMENT=development (--demo: development
    unless set otherwise); a data home seeded by --demo is refused outside development."""
    state = state_of(ctx)
    if demo and not _environment_given(state):  # otherwise production, the default
        state.configure(environment=Environment.DEVELOPMENT)
    if demo:
        from likeness.demo import prepare_demo_home, seed_demo

        prepare_demo_home(state.settings())
        seeded = seed_demo(state.services())
        typer.echo(seeded.describe(f"http://{host}:{port}"), err=True)
    services = state.services()
    _refuse_demo_home(services.layout.root, services.layout.is_demo(), state.settings())
    processes = "" if workers == 1 else f" with {workers} workers"
    if log_only:
        typer.echo(
            f"serving the log of {services.layout.root} at http://{host}:{port}/log/{processes}",
            err=True,
        )
    else:
        typer.echo(
            f"serving {services.layout.root} at http://{host}:{port}/ (API: /docs){processes}",
            err=True,
        )
    serving.run(state, host=host, port=port, workers=workers, log_only=log_only)


def _environment_given(state: CliState) -> bool:
    """Whether LIKENESS_ENVIRONMENT (or a flag) names the environment, read before the
    command's settings are fixed."""
    return "environment" in load_settings(home=state.home, **state.overrides).model_fields_set


def _refuse_demo_home(root: Path, is_demo: bool, settings: Settings) -> None:
    if is_demo and settings.environment is not Environment.DEVELOPMENT:
        raise ConfigurationError(
            f"the data home {root} was seeded by 'serve --demo' (its passwords are public); "
            f"refused in {settings.environment.value}",
            hint="serve it with LIKENESS_ENVIRONMENT=development, or use a new data home "
            "('likeness init') for real data",
        )


@app.command()
def version(as_json: JsonFlag = False) -> None:
    """Print the version."""
    if as_json:
        render.emit_json({"version": __version__, "python": sys.version.split()[0]})
    else:
        typer.echo(f"likeness {__version__}")


def _print_status(state: CliState, as_json: bool) -> None:
    data = render.status_json(state.services().status())
    if as_json:
        render.emit_json(data)
    else:
        render.fields("likeness status", data)


def main() -> None:
    app()
