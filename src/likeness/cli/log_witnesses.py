"""``likeness log witness``: the witnesses the log's checkpoints are sent to."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from likeness.cli import render
from likeness.cli.state import state_of
from likeness.domain.witness import Witness

app = typer.Typer(
    help="Witnesses (C2SP tlog-witness) that cosign the log's checkpoints.",
    no_args_is_help=True,
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]


def _json(witness: Witness) -> dict[str, Any]:
    return {
        "name": witness.name,
        "url": witness.url,
        "verifier_key": witness.verifier_key,
        "added_at": witness.added_at.isoformat(),
        "cosigned_size": witness.cosigned_size,
        "last_attempt_at": None
        if witness.last_attempt_at is None
        else witness.last_attempt_at.isoformat(),
        "last_error": witness.last_error,
    }


@app.command("add")
def add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="The witness's submission prefix (http or https).")],
    key: Annotated[str, typer.Argument(help="Its cosignature/v1 verifier key (name+hash+base64).")],
    as_json: JsonFlag = False,
) -> None:
    """Send each new checkpoint to a witness from now on (a witness.added log event)."""
    witness = state_of(ctx).services().witnesses.add(url, key)
    if as_json:
        render.emit_json(_json(witness))
    else:
        typer.echo(f"added witness {witness.name} at {witness.url}")


@app.command("remove")
def remove(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The witness's name (its key's name).")],
) -> None:
    """Stop sending checkpoints to a witness (a witness.removed log event)."""
    witness = state_of(ctx).services().witnesses.remove(name)
    typer.echo(f"removed witness {witness.name}")


@app.command("list")
def list_witnesses(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """The witnesses, the size each last cosigned, and why the last attempt failed."""
    witnesses = state_of(ctx).services().witnesses.witnesses()
    if as_json:
        render.emit_json([_json(w) for w in witnesses])
        return
    render.table(
        "witnesses",
        ("name", "url", "cosigned size", "last error"),
        [(w.name, w.url, w.cosigned_size, w.last_error) for w in witnesses],
    )


@app.command("sync")
def sync(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Send the latest checkpoint to every witness that has not cosigned it (what
    'likeness serve' does in the background); exits 10 if a witness saw another history
    (a fork), 15 if one could not be reached or refused otherwise."""
    results = state_of(ctx).services().witnesses.sync()
    if as_json:
        render.emit_json(
            [
                {"witness": r.witness, "size": r.size, "cosigned": r.cosigned, "error": r.error}
                for r in results
            ]
        )
    else:
        for r in results:
            outcome = "cosigned" if r.cosigned else f"not cosigned: {r.error}"
            typer.echo(f"{r.witness}: size {r.size} {outcome}")
        if not results:
            typer.echo("every witness has cosigned the latest checkpoint")
    # the exit statuses of an integrity error and an outbound failure (cli/app.EXIT_CODES)
    if any(r.forked for r in results):  # the log's history differs from a witness's
        raise typer.Exit(10)
    if any(not r.cosigned for r in results):
        raise typer.Exit(15)
