"""``likeness account`` and ``likeness apikey``: who may call the system, and their keys."""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Annotated

import typer

from likeness.cli import render
from likeness.cli.state import state_of
from likeness.domain.account import Role

accounts = typer.Typer(help="Accounts and their roles.", no_args_is_help=True)
apikeys = typer.Typer(help="API keys (only a hash is stored).", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]


@accounts.command("add")
def add_account(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Who the account is for.")],
    role: Annotated[Role, typer.Option(help="What the account may do.")],
    performer: Annotated[
        str | None, typer.Option(help="Performer id (performer and representative roles).")
    ] = None,
    production: Annotated[str | None, typer.Option(help="Production id (production role).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create an account."""
    account = (
        state_of(ctx)
        .services()
        .accounts.add_account(name, role, performer_id=performer, production_id=production)
    )
    data = render.account_json(account)
    if as_json:
        render.emit_json(data)
    else:
        render.fields(f"account {account.id}", data)


@accounts.command("password")
def set_password(
    ctx: typer.Context,
    account_id: Annotated[str, typer.Argument(help="Account to give a portal login.")],
    username: Annotated[str, typer.Option(help="Login name for the portal.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Set a portal login (username and password) for an account. The password is asked
    for twice, or read from standard input; only its argon2id hash is stored. Changing
    a password ends every portal session of the account."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    state_of(ctx).services().logins.set_password(account_id, username, password)
    typer.echo(f"portal login {username.strip().lower()!r} set for account {account_id}")


@accounts.command("disable")
def disable_account(
    ctx: typer.Context,
    account_id: Annotated[str, typer.Argument(help="Account to take out of use.")],
    as_json: JsonFlag = False,
) -> None:
    """Disable an account: its API keys are refused and its portal sessions end at once,
    in every server process, and it cannot sign in until enabled again."""
    account = state_of(ctx).services().accounts.set_disabled(account_id, True)
    if as_json:
        render.emit_json(render.account_json(account))
    else:
        typer.echo(f"disabled account {account.id}; its keys and sessions no longer work")


@accounts.command("enable")
def enable_account(
    ctx: typer.Context,
    account_id: Annotated[str, typer.Argument(help="Disabled account to enable again.")],
    as_json: JsonFlag = False,
) -> None:
    """Enable a disabled account again (its ended sessions stay ended)."""
    account = state_of(ctx).services().accounts.set_disabled(account_id, False)
    if as_json:
        render.emit_json(render.account_json(account))
    else:
        typer.echo(f"enabled account {account.id}")


@accounts.command("list")
def list_accounts(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List accounts."""
    items = state_of(ctx).services().accounts.list_accounts()
    if as_json:
        render.emit_json([render.account_json(a) for a in items])
        return
    render.table(
        f"{len(items)} account(s)",
        ("id", "name", "role", "performer", "production", "disabled"),
        (
            (a.id, a.name, a.role.value, a.performer_id, a.production_id, a.disabled_at)
            for a in items
        ),
    )


@apikeys.command("create")
def create_key(
    ctx: typer.Context,
    account_id: Annotated[str, typer.Argument(help="Account the key acts as.")],
    label: Annotated[str, typer.Option(help="What the key is for.")] = "",
    expires_in_days: Annotated[
        int | None, typer.Option(min=1, help="Refuse the key after this many days.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create an API key. The key is printed once; only its hash is kept."""
    lifetime = None if expires_in_days is None else timedelta(days=expires_in_days)
    issued = (
        state_of(ctx).services().accounts.create_api_key(account_id, label, expires_in=lifetime)
    )
    if as_json:
        render.emit_json({**render.api_key_json(issued.key), "token": issued.token})
        return
    typer.echo(issued.token)
    typer.echo(
        f"API key {issued.key.id} created; store it now, it will not be shown again.", err=True
    )


@apikeys.command("list")
def list_keys(
    ctx: typer.Context,
    account: Annotated[str | None, typer.Option(help="Only this account's keys.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List API keys (never their secrets)."""
    keys = state_of(ctx).services().accounts.list_api_keys(account)
    if as_json:
        render.emit_json([render.api_key_json(k) for k in keys])
        return
    render.table(
        f"{len(keys)} API key(s)",
        ("id", "account", "label", "created", "expires", "revoked"),
        ((k.id, k.account_id, k.label, k.created_at, k.expires_at, k.revoked_at) for k in keys),
    )


@apikeys.command("revoke")
def revoke_key(
    ctx: typer.Context,
    key_id: Annotated[str, typer.Argument(help="Key id (the part after llk_).")],
    as_json: JsonFlag = False,
) -> None:
    """Revoke an API key; requests using it are refused from now on, and the portal
    sessions of its account end (sign in again)."""
    key = state_of(ctx).services().accounts.revoke_api_key(key_id)
    if as_json:
        render.emit_json(render.api_key_json(key))
    else:
        typer.echo(f"revoked API key {key.id}; the portal sessions of {key.account_id} ended")
