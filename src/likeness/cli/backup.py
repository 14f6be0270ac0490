"""``likeness backup``, ``likeness restore`` and ``likeness db copy`` (docs/backup.md)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from likeness.cli import render
from likeness.cli.state import state_of
from likeness.services.backup import (
    BackupSummary,
    CopySummary,
    RestoreSummary,
    back_up,
    copy_database,
    restore,
)

db = typer.Typer(help="The data home's database: move it to PostgreSQL.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]


def backup(
    ctx: typer.Context,
    out: Annotated[Path, typer.Argument(help="The backup file to write (a new file).")],
    as_json: JsonFlag = False,
) -> None:
    """Back up the data home and its database, log included, into one file.

    Secrets, vault and keys go in; consistent while the server runs (writers wait while
    it is taken)."""
    services = state_of(ctx).services()
    summary = back_up(
        services.layout,
        services.database,
        out,
        now=services.clock.now(),
        master_key_in_backup=services.settings.master_key is None,
    )
    if as_json:
        render.emit_json(_backup_json(summary))
        return
    typer.echo(
        f"backup written to {summary.path}: {summary.files} files of the home, "
        f"{sum(summary.tables.values())} rows, {summary.size} bytes"
    )
    _rows(summary.tables)
    _log(summary.log_size, summary.checkpoint)
    for left in summary.left_out:
        typer.echo(f"left out: {left}")
    if not summary.master_key_in_backup:
        typer.echo("note: the master key comes from LIKENESS_MASTER_KEY and is not in the backup")


def restore_command(
    ctx: typer.Context,
    backup_file: Annotated[Path, typer.Argument(help="A backup written by 'likeness backup'.")],
    as_json: JsonFlag = False,
) -> None:
    """Restore a backup into a new data home and an empty database.

    The home is --home / LIKENESS_HOME; the database SQLite in the home, or the empty one
    LIKENESS_DATABASE_URL names. A damaged backup is refused and nothing is written."""
    settings = state_of(ctx).settings()
    summary = restore(backup_file, home=settings.home, database_url=settings.database_url)
    if as_json:
        render.emit_json(_restore_json(summary))
        return
    typer.echo(
        f"restored {backup_file} (taken {summary.backup_created_at.isoformat()}) into "
        f"{summary.home}, database {summary.database}"
    )
    if summary.backup_revision != summary.schema_revision:
        typer.echo(
            f"schema upgraded from revision {summary.backup_revision} to {summary.schema_revision}"
        )
    _rows(summary.tables)
    _log(summary.log_size, summary.checkpoint)
    if summary.log_origin is not None and summary.log_origin != settings.log_origin:
        typer.echo(
            f"note: the log's origin is {summary.log_origin}; set "
            f"LIKENESS_LOG_ORIGIN={summary.log_origin} to serve and audit it"
        )
    if not summary.master_key_in_backup:
        typer.echo(
            "note: the backup holds no master key (it came from LIKENESS_MASTER_KEY); "
            "set the same LIKENESS_MASTER_KEY for the restored home"
        )


@db.command("copy")
def copy(
    ctx: typer.Context,
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="URL of an empty PostgreSQL database (postgresql+psycopg://...).",
            show_default=False,
        ),
    ],
    as_json: JsonFlag = False,
) -> None:
    """Copy this data home's SQLite database, log included, into an empty PostgreSQL one.

    Taken under the write lock; then set LIKENESS_DATABASE_URL to use it."""
    services = state_of(ctx).services()
    summary = copy_database(
        services.database,
        to,
        home=services.layout.root,
        verifier_key=services.ledger.verifier_key,
    )
    if as_json:
        render.emit_json(_copy_json(summary))
        return
    typer.echo(f"copied into {summary.target} (schema revision {summary.schema_revision})")
    _rows(summary.tables)
    _log(summary.log_size, summary.checkpoint)
    typer.echo("set LIKENESS_DATABASE_URL to the database's URL (with this --home) to use the copy")


def _rows(tables: Mapping[str, int]) -> None:
    render.table("rows", ("table", "rows"), sorted(tables.items()))


def _log(size: int, checkpoint: str | None) -> None:
    typer.echo(f"log: {size} entries; checkpoint:")
    typer.echo(checkpoint or "(none: the log is empty)", nl=checkpoint is None)


def _backup_json(s: BackupSummary) -> dict[str, Any]:
    return {
        "path": str(s.path),
        "created_at": s.created_at.isoformat(),
        "source_dialect": s.source_dialect,
        "schema_revision": s.schema_revision,
        "tables": dict(s.tables),
        "files": s.files,
        "size": s.size,
        "log": {"size": s.log_size, "checkpoint": s.checkpoint},
        "left_out": list(s.left_out),
        "master_key_in_backup": s.master_key_in_backup,
    }


def _restore_json(s: RestoreSummary) -> dict[str, Any]:
    return {
        "home": str(s.home),
        "database": s.database,
        "backup_created_at": s.backup_created_at.isoformat(),
        "backup_revision": s.backup_revision,
        "schema_revision": s.schema_revision,
        "tables": dict(s.tables),
        "files": s.files,
        "log": {"size": s.log_size, "checkpoint": s.checkpoint, "origin": s.log_origin},
        "master_key_in_backup": s.master_key_in_backup,
    }


def _copy_json(s: CopySummary) -> dict[str, Any]:
    return {
        "target": s.target,
        "schema_revision": s.schema_revision,
        "tables": dict(s.tables),
        "log": {"size": s.log_size, "checkpoint": s.checkpoint},
    }
