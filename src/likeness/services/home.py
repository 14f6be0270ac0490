"""Initialising a data home and reporting its state."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from likeness import __version__
from likeness.errors import ConfigurationError, StoreError
from likeness.provenance.certificates import KeyFileSigner, make_identity
from likeness.services.ports import Clock
from likeness.store import migrate
from likeness.store.database import Database, create_database_engine
from likeness.store.home import HomeLayout, create_home, write_pem_secret
from likeness.store.repositories import (
    AccountRepository,
    PerformerRepository,
    ProductionRepository,
)

PARTIAL_IDENTITY_GRACE = 60.0  # seconds a key may wait for its chain


def initialise_home(
    root: Path, *, database_url: str | None, clock: Clock, organisation: str
) -> HomeLayout:
    """Create the data home, its secrets and a migrated database; all or nothing."""

    def populate(staging: HomeLayout) -> None:
        write_signing_identity(staging, organisation, clock.now())
        url = database_url or sqlite_url(staging.database)
        engine = create_database_engine(url)
        try:
            migrate_to_head(engine)
        finally:
            engine.dispose()

    return create_home(root, created_at=clock.now(), populate=populate)


def write_signing_identity(layout: HomeLayout, organisation: str, now: datetime) -> None:
    """The clearance-credential key, its CA's key and their chain, made at ``init`` (and
    once, at first use, for a home made before credentials existed). The chain is
    written last and marks the set complete. The key is created exclusively, so two
    processes cannot both make one; a key left without a chain by a crash (older than
    a minute) never signed anything, and is made again."""
    if layout.credential_chain.exists():
        return
    if layout.credential_key.exists():
        if time.time() - layout.credential_key.stat().st_mtime < PARTIAL_IDENTITY_GRACE:
            return  # another process is writing the rest now
        layout.credential_key.unlink(missing_ok=True)
        layout.credential_ca_key.unlink(missing_ok=True)
    identity = make_identity(organisation, now=now)
    try:
        write_pem_secret(layout.credential_key, identity.key_pem)
    except FileExistsError:
        return  # made by another process, which writes the chain next
    layout.credential_ca_key.unlink(missing_ok=True)
    write_pem_secret(layout.credential_ca_key, identity.ca_key_pem)
    partial = layout.credential_chain.with_name(f".{layout.credential_chain.name}.partial")
    partial.write_bytes(identity.chain_pem)
    partial.replace(layout.credential_chain)


def load_credential_signer(layout: HomeLayout) -> KeyFileSigner:
    """The signer of clearance credentials: ``secrets/credential.key`` and its chain."""
    try:
        key, chain = layout.credential_key.read_bytes(), layout.credential_chain.read_bytes()
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the credential signing key or its chain: {exc.strerror} ({exc.filename})",
            hint="restore them from the backup of the data home (secrets/ and "
            "credential-chain.pem)",
        ) from None
    try:
        return KeyFileSigner(key, chain)
    except ValueError as exc:
        raise ConfigurationError(f"the credential signing key is unusable: {exc}") from None


def migrate_to_head(engine: Engine) -> None:
    """Bring the schema to the newest revision; a database that refuses is a ``StoreError``."""
    try:
        if migrate.current_revision(engine) != migrate.head_revision():
            migrate.upgrade(engine)
    except SQLAlchemyError as exc:
        url = engine.url.render_as_string(hide_password=True)
        raise StoreError(
            f"cannot migrate the database at {url}: {getattr(exc, 'orig', None) or exc}",
            hint="check LIKENESS_DATABASE_URL and that the database is reachable and writable",
        ) from exc


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@dataclass(frozen=True)
class HomeStatus:
    version: str
    home: str
    created_at: str
    database: str
    schema_revision: str | None
    schema_head: str
    performers: int
    productions: int
    accounts: int
    secret_modes: dict[str, str]

    @property
    def schema_current(self) -> bool:
        return self.schema_revision == self.schema_head


def describe_home(layout: HomeLayout, database: Database) -> HomeStatus:
    with database.read() as connection:
        counts = (
            PerformerRepository(connection).count(),
            ProductionRepository(connection).count(),
            AccountRepository(connection).count(),
        )
    return HomeStatus(
        version=__version__,
        home=str(layout.root),
        created_at=layout.created_at(),
        database=make_url(database.engine.url).render_as_string(hide_password=True),
        schema_revision=migrate.current_revision(database.engine),
        schema_head=migrate.head_revision(),
        performers=counts[0],
        productions=counts[1],
        accounts=counts[2],
        secret_modes={name: oct(mode) for name, mode in layout.secret_modes().items()},
    )
