"""The database URL on PostgreSQL: its password never reaches an error, a log line or
`status`; libpq's own settings in the query string (application_name, sslmode, ...) reach
the server. Runs with ``--store postgresql`` only (marker ``postgresql``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from likeness.bootstrap import build_services, initialise
from likeness.errors import StoreError
from likeness.settings import Settings, load_settings

pytestmark = pytest.mark.postgresql

WRONG = "Wr0ng-pa55word-XYZZY"


@pytest.fixture
def home(settings: Settings) -> Path:
    initialise(settings)
    return settings.home


def url_now() -> str:
    return os.environ["LIKENESS_DATABASE_URL"]


def likeness(home: Path, *args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LIKENESS_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "likeness", "--home", str(home), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_a_wrong_password_is_refused_without_showing_it(home: Path) -> None:
    wrong = make_url(url_now()).set(password=WRONG).render_as_string(hide_password=False)
    result = likeness(home, "status", url=wrong)
    assert result.returncode != 0
    said = result.stdout + result.stderr
    assert "password authentication failed" in said  # the server's reason, passed on
    assert WRONG not in said and "***" in said  # the URL, masked


def test_the_right_password_never_appears_in_status_or_errors(home: Path) -> None:
    right = make_url(url_now()).password
    assert right
    status = likeness(home, "status", "--json", url=url_now())
    assert status.returncode == 0, status.stderr
    assert right not in status.stdout + status.stderr and "***" in status.stdout
    missing = (
        make_url(url_now()).set(database="no_such_database").render_as_string(hide_password=False)
    )
    refused = likeness(home, "status", url=missing)
    assert refused.returncode != 0 and "no_such_database" in refused.stderr
    assert right not in refused.stdout + refused.stderr


def test_libpq_settings_in_the_url_reach_the_server(home: Path) -> None:
    named = make_url(url_now()).update_query_dict(
        {"application_name": "likeness-url-test", "sslmode": "disable"}
    )
    settings = load_settings(home=home, database_url=named.render_as_string(hide_password=False))
    services = build_services(settings)
    try:
        with services.database.read() as connection:
            name = connection.execute(text("SHOW application_name")).scalar_one()
            ssl = connection.execute(
                text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            ).scalar_one()
        assert (name, ssl) == ("likeness-url-test", False)
    finally:
        services.close()

    # sslmode=require against this server (no TLS configured) is refused by libpq itself:
    # the setting reached it, and the error keeps the password out
    required = make_url(url_now()).update_query_dict({"sslmode": "require"})
    with pytest.raises(StoreError) as refused:
        build_services(
            load_settings(home=home, database_url=required.render_as_string(hide_password=False))
        )
    assert "SSL" in refused.value.message
    assert str(make_url(url_now()).password) not in str(refused.value)
