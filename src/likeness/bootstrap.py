"""The composition root: the one place that turns settings into working services.

Entry points (CLI, API, tests) call ``build_services(settings)``; nothing
else creates engines, clocks or id factories.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from ulid import ULID

from likeness.services.accounts import AccountService
from likeness.services.home import (
    HomeStatus,
    describe_home,
    initialise_home,
    migrate_to_head,
    sqlite_url,
)
from likeness.services.ports import Clock, IdFactory
from likeness.services.registry import RegistryService
from likeness.settings import Settings
from likeness.store.database import Database, create_database_engine
from likeness.store.home import HomeLayout


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class UlidFactory:
    def new(self) -> str:
        return str(ULID())


@dataclass
class Services:
    layout: HomeLayout
    database: Database
    registry: RegistryService
    accounts: AccountService

    def status(self) -> HomeStatus:
        return describe_home(self.layout, self.database)

    def close(self) -> None:
        self.database.dispose()


def initialise(settings: Settings, *, clock: Clock | None = None) -> HomeLayout:
    """``likeness init``: create the data home named by ``settings``."""
    return initialise_home(
        settings.home, database_url=settings.database_url, clock=clock or SystemClock()
    )


def build_services(
    settings: Settings, *, clock: Clock | None = None, ids: IdFactory | None = None
) -> Services:
    """Services over an initialised data home, its database migrated to the current schema."""
    layout = HomeLayout(settings.home)
    layout.require_initialised()
    engine = create_database_engine(settings.database_url or sqlite_url(layout.database))
    database = Database(engine)
    migrate_to_head(engine)
    clock = clock or SystemClock()
    ids = ids or UlidFactory()
    return Services(
        layout=layout,
        database=database,
        registry=RegistryService(database=database, clock=clock, ids=ids),
        accounts=AccountService(database=database, clock=clock, ids=ids),
    )
