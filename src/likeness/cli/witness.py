"""``likeness --home W witness``: run a witness (C2SP tlog-witness) with its own home,
key and state, apart from any log's data home."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

import typer

from likeness.bootstrap import initialise_witness, open_witness
from likeness.cli import render
from likeness.cli.state import state_of

app = typer.Typer(
    help="Be a witness: cosign other logs' checkpoints after checking their consistency.",
    no_args_is_help=True,
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]


def _home(ctx: typer.Context) -> Path:
    return state_of(ctx).settings().home


@app.command("init")
def init(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Option(help="The witness's name in its key and cosignatures (no spaces or '+')."),
    ] = None,
) -> None:
    """Create a witness home: a new Ed25519 key (mode 0600, never printed) and empty state."""
    chosen = name or f"likeness-witness-{secrets.token_hex(4)}"
    witness = initialise_witness(_home(ctx), name=chosen)
    typer.echo(f"initialised witness {witness.name} at {_home(ctx)}", err=True)
    typer.echo(witness.verifier_key)


@app.command("key")
def key(ctx: typer.Context) -> None:
    """Print the witness's cosignature/v1 verifier key (name+hash+base64)."""
    typer.echo(open_witness(_home(ctx)).verifier_key)


@app.command("trust")
def trust(
    ctx: typer.Context,
    log_key: Annotated[str, typer.Argument(help="The log's verifier key ('likeness log key').")],
    origin: Annotated[
        str | None, typer.Option(help="The log's origin line (default: the key's name).")
    ] = None,
) -> None:
    """Witness a log: cosign its checkpoints signed by this key."""
    log = open_witness(_home(ctx)).trust(log_key, origin)
    typer.echo(f"witnessing {log.origin} (cosigned so far: size {log.size})")


@app.command("logs")
def logs(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """The logs this witness witnesses and the size it last cosigned for each."""
    found = open_witness(_home(ctx)).logs()
    if as_json:
        render.emit_json(
            [{"origin": g.origin, "log_key": g.verifier.encode(), "size": g.size} for g in found]
        )
        return
    render.table("logs witnessed", ("origin", "cosigned size"), [(g.origin, g.size) for g in found])


@app.command("serve")
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 7380,
) -> None:
    """Answer add-checkpoint requests (POST /add-checkpoint) until stopped."""
    import uvicorn

    from likeness.api.witness_server import create_witness_app

    witness = open_witness(_home(ctx))
    typer.echo(f"witness {witness.name} listening at http://{host}:{port}/add-checkpoint", err=True)
    uvicorn.run(create_witness_app(witness), host=host, port=port, log_level="warning")
