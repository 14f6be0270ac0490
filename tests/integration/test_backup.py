"""Backup, restore and ``db copy`` (docs/backup.md): a home with real data (performers, a
production, a consent, enrolments, a use, an account and its key, an erased performer)
is backed up, restored into a fresh home on the same kind of store and on SQLite, and
compared table by table and file by file; the restored log audits green at the
manifest's checkpoint, the vault still opens, and the log goes on. A backup taken while
writers write is consistent; a damaged backup and an occupied target are refused with
nothing written; ``db copy`` moves a SQLite home to PostgreSQL without showing the
password. Run on both stores (``--store postgresql``)."""

from __future__ import annotations

import io
import json
import os
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner, Result

from likeness.bootstrap import Services, build_services, initialise
from likeness.cli.app import EXIT_CODES, app
from likeness.domain.account import Role
from likeness.domain.consent import Modality, ReplicaKind, UseFacts
from likeness.domain.use import UseReport
from likeness.errors import ErrorKind
from likeness.services.backup import back_up
from likeness.services.inputs import PerformerInput
from likeness.settings import Settings
from likeness.store.copy import reset_sequences, serial_columns
from likeness.store.tables import metadata
from likeness.testing import FixedClock, fake_encoders
from likeness.testing.media import BLUE, GREEN, RED, YELLOW, Block, face_image
from tests.casting import cast_with_consent
from tests.conftest import fake_cli
from tests.store_server import fresh_database, server_url

runner = CliRunner()
Rows = dict[str, list[tuple[Any, ...]]]

# Left out of a backup, or compared as rows rather than bytes (see store/backup.py).
DERIVED = ("index", "scan-cache", "jobs", "held")


# -- a home with real data ---------------------------------------------------------------


def populate(services: Services, folder: Path) -> dict[str, str]:
    """Ids by role: ada (enrolled, consented, used), bo (enrolled), film, cy (erased)."""
    ids = cast_with_consent(services, "ada", "bo")
    services.enrolment.enrol(ids["ada"], [face_image(folder / "ada.png", [Block(RED)])])
    services.enrolment.enrol(ids["bo"], [face_image(folder / "bo.png", [Block(GREEN)])])
    services.uses.report(
        UseReport(
            ids["ada"],
            UseFacts(
                production_id=ids["film"],
                replica_kind=ReplicaKind.EMPLOYMENT_BASED,
                modalities=frozenset({Modality.FACE}),
                purpose="appear in the trailer",
                date=date(2026, 6, 1),
            ),
        )
    )
    account = services.accounts.add_account("clearance", Role.PRODUCTION, production_id=ids["film"])
    services.accounts.create_api_key(account.id, "ci")
    cy = services.registry.add_performer(
        PerformerInput(legal_name="Cy", date_of_birth=date(1980, 1, 1))
    ).value.id
    services.enrolment.enrol(cy, [face_image(folder / "cy.png", [Block(BLUE)])])
    services.registry.erase_performer(cy)
    root = services.layout.root
    # What an erasure's shred removes just after its commit, had a backup come between.
    (root / "vault" / cy).mkdir()
    (root / "vault" / cy / "late.sealed").write_bytes(os.urandom(64))
    # Files no code of the backup names: they go in all the same (per performer: while
    # the performer is there).
    for performer in (ids["ada"], cy):
        (root / "keys" / performer).mkdir(parents=True)
        (root / "keys" / performer / "extra.key").write_bytes(os.urandom(32))
    (root / "notes").mkdir()
    (root / "notes" / "readme.txt").write_text("kept\n")
    return ids | {"cy": cy}


def store_rows(services: Services) -> Rows:
    """Every row of every table, in key order; with the rows of the schema's tables
    that the store keeps in an SQLite file beside it (PostgreSQL's record keys)."""
    rows: Rows = {}
    with services.database.read() as connection:
        for table in metadata.sorted_tables:
            order = list(table.primary_key.columns)
            rows[table.name] = [
                tuple(r) for r in connection.execute(select(table).order_by(*order))
            ]
    for path in sorted(services.layout.root.glob("*.db")):
        if path == services.layout.database:
            continue
        engine = create_engine(f"sqlite:///{path}")
        with engine.connect() as connection:
            for name in set(inspect(connection).get_table_names()) & set(metadata.tables):
                rows[name] = sorted(
                    rows[name]
                    + [tuple(r) for r in connection.execute(select(metadata.tables[name]))]
                )
        engine.dispose()
    return rows


def home_files(root: Path) -> dict[str, bytes]:
    """The files a backup carries as files: not the database, its side stores (compared
    as rows), derived or transient folders, or hidden names."""
    files = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if (
            not path.is_file()
            or path.is_symlink()
            or relative.parts[0] in DERIVED
            or any(part.startswith(".") for part in relative.parts)
            or (len(relative.parts) == 1 and ".db" in path.name)
        ):
            continue
        files[relative.as_posix()] = path.read_bytes()
    return files


def manifest_of(backup: Path) -> dict[str, Any]:
    with tarfile.open(backup) as archive:
        member = archive.extractfile("manifest.json")
        assert member is not None
        data: dict[str, Any] = json.loads(member.read())
    return data


_AS_GIVEN = "as given"


def cli(home: Path, *args: str, url: str | None = _AS_GIVEN, **kwargs: Any) -> Result:
    """The CLI on ``home``; ``url`` sets LIKENESS_DATABASE_URL (None: unset, SQLite),
    else the test's store decides."""
    env = {} if url is _AS_GIVEN else {"LIKENESS_DATABASE_URL": url}
    return runner.invoke(app, ["--home", str(home), *args], obj=fake_cli(), env=env, **kwargs)


def settings_for(home: Path, url: str | None) -> Settings:
    """Settings of a home on ``url``; None is SQLite in the home whatever the test's
    store (load_settings would read LIKENESS_DATABASE_URL)."""
    return Settings(home=home, database_url=url)


def open_home(home: Path, url: str | None) -> Services:
    return build_services(settings_for(home, url), encoders=fake_encoders())


@contextmanager
def opened(services: Services) -> Iterator[Services]:
    try:
        yield services
    finally:
        services.close()


def tables_in(url: str | None) -> list[str]:
    """Tables of a target database (none on SQLite: the database is in the home)."""
    if url is None:
        return []
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return sorted(inspect(connection).get_table_names())
    finally:
        engine.dispose()


@pytest.fixture
def empty_postgres(request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database on the PostgreSQL server, on either store's run."""
    with fresh_database(server_url(request.config.getoption("--store-url"))) as url:
        yield url


# -- the round trip ----------------------------------------------------------------------


def test_a_restored_home_has_the_same_rows_files_and_log(
    fake_services: Services, tmp_path: Path, another_database: Callable[[], str | None]
) -> None:
    services = fake_services
    ids = populate(services, tmp_path)
    probe = face_image(tmp_path / "probe.jpg", [Block(RED, x=300, y=150, size=150)])
    assert services.gallery.identify(probe).faces[0].performer_id == ids["ada"]  # index made
    original, files = store_rows(services), home_files(services.layout.root)
    checkpoint = services.ledger.checkpoint()
    out = tmp_path / "likeness.backup"

    made = cli(services.layout.root, "backup", str(out))
    assert made.exit_code == 0, made.output
    assert (out.stat().st_mode & 0o777) == 0o600  # it holds the master key
    manifest = manifest_of(out)
    assert manifest["log"] == {"size": services.ledger.size(), "checkpoint": checkpoint}
    assert manifest["source_dialect"] == services.database.engine.dialect.name
    assert manifest["tables"]["performers"] == 2 and manifest["tables"]["templates"] == 2
    cy = ids["cy"]
    assert {f"vault/{cy}/", f"keys/{cy}/", "index/"} <= set(manifest["left_out"])
    assert f"home/keys/{ids['ada']}/extra.key" in manifest["files"]

    # into the same kind of store, and into SQLite (from PostgreSQL: moving down)
    for name, url in (("same", another_database()), ("sqlite", None)):
        home = tmp_path / f"restored-{name}"
        restored = cli(home, "restore", str(out), url=url)
        assert restored.exit_code == 0, restored.output
        assert checkpoint in restored.output
        if url is not None:  # the record keys went to keys.db, not PostgreSQL's rows
            assert _count(url, "record_keys") == 0 < len(original["record_keys"])
        audited = cli(home, "log", "audit", url=url)
        assert audited.exit_code == 0, audited.output
        again = open_home(home, url)
        try:
            assert store_rows(again) == original, name
            assert again.ledger.checkpoint() == checkpoint
            copied = home_files(home)
            assert {n for n in files if cy in n} == {
                f"vault/{cy}/late.sealed",
                f"keys/{cy}/extra.key",
            }
            assert copied == {n: data for n, data in files.items() if cy not in n}
            assert (home / "secrets").stat().st_mode & 0o777 == 0o700
            assert (home / "secrets" / "master.key").stat().st_mode & 0o777 == 0o600
            [face] = again.gallery.identify(probe).faces  # the vault opens: index rebuilt
            assert face.performer_id == ids["ada"]
            (tmp_path / "saved").write_text(checkpoint)
            assert again.ledger.append_entries([b"after the restore"]) == [manifest["log"]["size"]]
            assert again.ledger.audit(tmp_path / "saved").since_size == manifest["log"]["size"]
        finally:
            again.close()


def test_a_backup_taken_while_writers_write_is_consistent(
    fake_services: Services, tmp_path: Path, another_database: Callable[[], str | None]
) -> None:
    """Writers (log appends, performers enrolled: vault files written in the transaction)
    go on around the backup; it holds one moment: its log audits at its manifest's size,
    and every template it holds has its vault files."""
    services = fake_services
    photo = face_image(tmp_path / "face.png", [Block(YELLOW)])
    stop, failures, written = threading.Event(), [], [0]

    def write() -> None:
        try:
            while not stop.is_set():
                services.ledger.append_entries([f"entry {written[0]}".encode()] * 3)
                if written[0] % 4 == 0:
                    performer = services.registry.add_performer(
                        PerformerInput(legal_name=f"P{written[0]}", date_of_birth=date(1990, 1, 1))
                    ).value.id
                    services.enrolment.enrol(performer, [photo])
                written[0] += 1
        except Exception as exc:  # the test fails on it below
            failures.append(exc)

    writers = [threading.Thread(target=write) for _ in range(2)]
    for thread in writers:
        thread.start()
    try:
        _wait(lambda: services.ledger.size() > 60)
        before = services.ledger.size()
        summary = back_up(
            services.layout, services.database, tmp_path / "b.tar", now=datetime.now(UTC)
        )
        _wait(lambda: services.ledger.size() > summary.log_size + 30)  # writers went on
    finally:
        stop.set()
        for thread in writers:
            thread.join()
    assert failures == []
    assert before <= summary.log_size < services.ledger.size()

    url = another_database()
    restored = cli(tmp_path / "restored", "restore", str(tmp_path / "b.tar"), url=url)
    assert restored.exit_code == 0, restored.output
    again = open_home(tmp_path / "restored", url)
    try:
        report = again.ledger.audit()
        assert report.ok and report.size == summary.log_size
        assert again.ledger.checkpoint() == summary.checkpoint
        templates = store_rows(again)["templates"]
        assert len(templates) == summary.tables["templates"] > 0
        for template_id, performer_id, *_ in templates:
            for blob in (template_id, f"{template_id}.scan"):
                assert (tmp_path / "restored" / "vault" / performer_id / f"{blob}.sealed").is_file()
    finally:
        again.close()


def _wait(condition: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the writers made no progress"
        time.sleep(0.02)


# -- refusals ------------------------------------------------------------------------


def _members(backup: Path) -> dict[str, bytes]:
    with tarfile.open(backup) as archive:
        out = {}
        for member in archive.getmembers():
            handle = archive.extractfile(member)
            assert handle is not None
            out[member.name] = handle.read()
        return out


def _write(path: Path, members: dict[str, bytes]) -> None:
    with tarfile.open(path, "w") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def _with_manifest(members: dict[str, bytes], **changes: Any) -> dict[str, bytes]:
    manifest = json.loads(members["manifest.json"]) | changes
    return members | {"manifest.json": json.dumps(manifest).encode()}


def _flip(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1 :]


def _vault_member(members: dict[str, bytes]) -> str:
    return next(n for n in members if n.startswith("home/vault/"))


DAMAGES: dict[str, tuple[Callable[[dict[str, bytes]], dict[str, bytes]], ErrorKind, str]] = {
    "a vault file changed": (
        lambda m: m | {(v := _vault_member(m)): _flip(m[v])},
        ErrorKind.INTEGRITY,
        "does not match its SHA-256",
    ),
    "the database changed": (
        lambda m: m | {"database.sqlite": _flip(m["database.sqlite"])},
        ErrorKind.INTEGRITY,
        "database.sqlite does not match its SHA-256",
    ),
    "a file missing": (
        lambda m: {n: d for n, d in m.items() if n != "home/secrets/signing.key"},
        ErrorKind.INTEGRITY,
        "home/secrets/signing.key is missing",
    ),
    "a file added": (
        lambda m: m | {"home/vault/intruder.sealed": b"x"},
        ErrorKind.INTEGRITY,
        "home/vault/intruder.sealed is not in the manifest",
    ),
    "a path that climbs out": (
        lambda m: _with_manifest(m | {"home/../../evil": b"x"}, files={
            **json.loads(m["manifest.json"])["files"], "home/../../evil": "0" * 64
        }),
        ErrorKind.INTEGRITY,
        "is not a plain file of the backup",
    ),
    "another format version": (
        lambda m: _with_manifest(m, version=2),
        ErrorKind.INVALID,
        "backup format version 2; this version of likeness reads version 1",
    ),
    "a newer schema": (
        lambda m: _with_manifest(m, schema_revision="9999"),
        ErrorKind.INVALID,
        "schema revision 9999, newer than this version of likeness knows",
    ),
    "not a backup": (lambda m: {"hello.txt": b"hello"}, ErrorKind.INTEGRITY, "no manifest.json"),
}  # fmt: skip


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_backup_is_refused_and_nothing_is_written(
    damage: str,
    fake_services: Services,
    tmp_path: Path,
    another_database: Callable[[], str | None],
) -> None:
    services = fake_services
    ada = services.registry.add_performer(
        PerformerInput(legal_name="Ada", date_of_birth=date(1975, 1, 1))
    ).value.id
    services.enrolment.enrol(ada, [face_image(tmp_path / "ada.png", [Block(RED)])])
    good, bad = tmp_path / "good.tar", tmp_path / "bad.tar"
    back_up(services.layout, services.database, good, now=datetime.now(UTC))
    change, kind, message = DAMAGES[damage]
    _write(bad, change(_members(good)))

    url = another_database()
    home = tmp_path / "new" / "home"
    refused = cli(home, "restore", str(bad), url=url)
    assert refused.exit_code == EXIT_CODES[kind], refused.output
    assert message in refused.output
    assert not (tmp_path / "new").exists()  # not even the parent folder it would have made
    assert tables_in(url) == []
    restored = cli(home, "restore", str(good), url=url)  # the good one still restores
    assert restored.exit_code == 0, restored.output


def test_an_occupied_home_or_database_is_refused(
    fake_services: Services, tmp_path: Path, another_database: Callable[[], str | None]
) -> None:
    services = fake_services
    services.registry.add_performer(
        PerformerInput(legal_name="Ada", date_of_birth=date(1975, 1, 1))
    )
    backup = tmp_path / "b.tar"
    back_up(services.layout, services.database, backup, now=datetime.now(UTC))

    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "notes.txt").write_text("mine\n")
    refused = cli(occupied, "restore", str(backup), url=None)
    assert refused.exit_code == EXIT_CODES[ErrorKind.CONFLICT], refused.output
    assert "is not empty: it holds notes.txt" in refused.output
    assert [p.name for p in occupied.iterdir()] == ["notes.txt"]

    refused = cli(services.layout.root, "restore", str(backup), url=None)
    assert refused.exit_code == EXIT_CODES[ErrorKind.HOME]
    assert "already an initialised data home" in refused.output

    # A database another home uses (SQLite: its file, named by URL) holds rows: refused.
    other = settings_for(tmp_path / "other", another_database())
    initialise(other, clock=FixedClock())
    with opened(build_services(other, encoders=fake_encoders())) as other_services:
        other_services.registry.add_performer(
            PerformerInput(legal_name="Bo", date_of_birth=date(1980, 1, 1))
        )
    url = other.database_url or f"sqlite:///{other.home / 'likeness.db'}"
    refused = cli(tmp_path / "new", "restore", str(backup), url=url)
    assert refused.exit_code == EXIT_CODES[ErrorKind.CONFLICT], refused.output
    assert "is not empty: " in refused.output and "performers (1 rows)" in refused.output
    assert not (tmp_path / "new").exists()
    password = make_url(url).password
    assert password is None or password not in refused.output

    # One only migrated (no rows but the migrations' own) is empty enough.
    blank = settings_for(tmp_path / "blank", another_database())
    initialise(blank, clock=FixedClock())
    url = blank.database_url or f"sqlite:///{blank.home / 'likeness.db'}"
    restored = cli(tmp_path / "new", "restore", str(backup), url=url)
    assert restored.exit_code == 0, restored.output


def test_a_backup_never_overwrites_and_stays_out_of_the_home(
    fake_services: Services, tmp_path: Path
) -> None:
    services = fake_services
    (tmp_path / "taken.tar").write_text("mine\n")
    refused = cli(services.layout.root, "backup", str(tmp_path / "taken.tar"))
    assert refused.exit_code == EXIT_CODES[ErrorKind.CONFLICT], refused.output
    assert (tmp_path / "taken.tar").read_text() == "mine\n"
    refused = cli(services.layout.root, "backup", str(services.layout.root / "b.tar"))
    assert refused.exit_code == EXIT_CODES[ErrorKind.INVALID], refused.output
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


# -- db copy -------------------------------------------------------------------------------


@pytest.mark.postgresql
def test_db_copy_moves_a_sqlite_home_to_postgresql(
    tmp_path: Path, clock: FixedClock, empty_postgres: str
) -> None:
    settings = settings_for(tmp_path / "home", None)  # SQLite on either store's run
    initialise(settings, clock=clock)
    with opened(build_services(settings, clock=clock, encoders=fake_encoders())) as services:
        ids = populate(services, tmp_path)
        original, checkpoint = store_rows(services), services.ledger.checkpoint()
        size = services.ledger.size()
    password = make_url(empty_postgres).password
    assert password

    copied = cli(settings.home, "db", "copy", "--to", empty_postgres, url=None)
    assert copied.exit_code == 0, copied.output
    assert password not in copied.output
    assert make_url(empty_postgres).render_as_string(hide_password=True) in copied.output
    assert checkpoint in copied.output and f"log: {size} entries" in copied.output

    # the record keys went to the home's keys.db, never into PostgreSQL's rows
    assert _count(empty_postgres, "record_keys") == 0
    assert _count(f"sqlite:///{settings.home / 'keys.db'}", "record_keys") == len(
        original["record_keys"]
    )
    audited = cli(settings.home, "log", "audit", url=empty_postgres)
    assert audited.exit_code == 0, audited.output
    assert f"ok: {size} entries" in audited.output
    with opened(open_home(settings.home, empty_postgres)) as moved:
        assert moved.ledger.checkpoint() == checkpoint
        assert store_rows(moved) == original
        probe = face_image(tmp_path / "probe.jpg", [Block(RED, x=300, y=150, size=150)])
        assert moved.gallery.identify(probe).faces[0].performer_id == ids["ada"]
        with moved.database.read() as connection:
            assert serial_columns(connection) == []  # no sequence to move on today

    again = cli(settings.home, "db", "copy", "--to", empty_postgres, url=None)
    assert again.exit_code == EXIT_CODES[ErrorKind.CONFLICT], again.output
    assert "is not empty" in again.output and password not in again.output


def _count(url: str, table: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


def test_db_copy_wants_a_postgresql_url(fake_services: Services, tmp_path: Path) -> None:
    refused = cli(fake_services.layout.root, "db", "copy", "--to", f"sqlite:///{tmp_path}/x.db")
    assert refused.exit_code == EXIT_CODES[ErrorKind.INVALID], refused.output
    assert "not SQLite" in refused.output or "not a PostgreSQL URL" in refused.output


@pytest.mark.postgresql
def test_sequences_move_past_the_copied_rows(empty_postgres: str) -> None:
    """The copy's sequence reset, on a table that has one (none of ours does today)."""
    engine = create_engine(empty_postgres)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE numbered (id SERIAL PRIMARY KEY, v TEXT)"))
            connection.execute(text("INSERT INTO numbered (id, v) VALUES (1, 'a'), (7, 'b')"))
            assert serial_columns(connection) == ["numbered.id"]
            reset_sequences(connection)
            made = connection.execute(
                text("INSERT INTO numbered (v) VALUES ('c') RETURNING id")
            ).scalar_one()
        assert made == 8
    finally:
        engine.dispose()
