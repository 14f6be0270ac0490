"""The CLI end to end: through Typer's runner in-process, and as a real process for restarts."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from likeness.cli.app import EXIT_CODES, app
from tests.stored_bytes import stored_files

runner = CliRunner()

ADA = [
    "--legal-name",
    "Ada Lovelace",
    "--professional-name",
    "Ada L",
    "--union",
    "SAG-AFTRA",
    "--member-number",
    "100",
    "--date-of-birth",
    "1990-06-15",
    "--domicile",
    "US-CA",
    "-r",
    "agent:Jane Roe",
    "-r",
    "union:SAG-AFTRA Local 1",
]


def cli(home: Path, *args: str) -> Result:
    return runner.invoke(app, ["--home", str(home), *args])


def ok_json(home: Path, *args: str) -> object:
    result = cli(home, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    assert cli(home, "init").exit_code == 0
    return home


def count(home: Path, what: str) -> int:
    status = ok_json(home, "status")
    assert isinstance(status, dict)
    return int(status["counts"][what])


def test_performer_add_then_show_round_trips_every_field(home: Path) -> None:
    added = ok_json(home, "performer", "add", *ADA)
    assert isinstance(added, dict)
    assert added["legal_name"] == "Ada Lovelace"
    assert added["representatives"] == [
        {"name": "Jane Roe", "capacity": "agent", "contact": None},
        {"name": "SAG-AFTRA Local 1", "capacity": "union", "contact": None},
    ]
    assert ok_json(home, "performer", "show", added["id"]) == added
    assert ok_json(home, "performer", "list") == [added]


def test_deceased_performer_round_trips(home: Path) -> None:
    added = ok_json(
        home,
        "performer",
        "add",
        "--legal-name",
        "Old Star",
        "--date-of-birth",
        "1920-01-01",
        "--deceased-on",
        "1999-05-05",
    )
    assert isinstance(added, dict)
    assert (added["status"], added["date_of_death"]) == ("deceased", "1999-05-05")
    assert ok_json(home, "performer", "show", added["id"]) == added


def test_production_add_then_show_round_trips_every_field(home: Path) -> None:
    added = ok_json(
        home,
        "production",
        "add",
        "--title",
        "Night Shift",
        "--company",
        "Acme",
        "--kind",
        "streaming",
        "--agreement",
        "sag-aftra-tv-theatrical",
        "--start",
        "2026-03-01",
        "--end",
        "2026-09-01",
        "--jurisdiction",
        "US-NY",
    )
    assert isinstance(added, dict)
    assert (added["kind"], added["agreement"], added["jurisdiction"]) == (
        "streaming",
        "sag-aftra-tv-theatrical",
        "US-NY",
    )
    assert ok_json(home, "production", "show", added["id"]) == added
    assert ok_json(home, "production", "list") == [added]


def test_data_survives_a_restart_of_the_process(tmp_path: Path) -> None:
    home = tmp_path / "home"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "likeness", "--home", str(home), *args],
            capture_output=True,
            text=True,
            check=True,
        )

    run("init")
    performer = json.loads(run("performer", "add", *ADA, "--json").stdout)
    production = json.loads(
        run(
            "production",
            "add",
            "--title",
            "T",
            "--company",
            "C",
            "--kind",
            "theatrical",
            "--start",
            "2026-01-01",
            "--json",
        ).stdout
    )
    assert json.loads(run("performer", "show", performer["id"], "--json").stdout) == performer
    assert json.loads(run("production", "show", production["id"], "--json").stdout) == production


def test_tables_for_people(home: Path) -> None:
    ok_json(home, "performer", "add", *ADA)
    result = runner.invoke(app, ["--home", str(home), "performer", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Ada Lovelace" in result.stdout and "1 performer(s)" in result.stdout


def test_import_csv(home: Path, tmp_path: Path) -> None:
    roster = tmp_path / "cast.csv"
    roster.write_text(
        "legal_name,professional_name,union,member_number,date_of_birth,representatives\n"
        "Ada Lovelace,,SAG-AFTRA,1,1990-06-15,agent:Jane Roe\n"
        "Grace Hopper,,,,1985-12-09,\n"
    )
    summary = ok_json(home, "performer", "import", str(roster))
    assert isinstance(summary, dict) and summary["imported"] == 2
    assert count(home, "performers") == 2


# -- bad input: one clear message, a non-zero exit, nothing written ----------


def assert_refused(result: Result, kind: str, message: str) -> None:
    assert result.exit_code == EXIT_CODES[kind], result.output
    assert f"error: {message}" in result.stderr
    assert result.stdout == ""


def test_unknown_ids(home: Path) -> None:
    assert_refused(
        cli(home, "performer", "show", "01J000000000000000000NOPE0"),
        "not_found",
        "no performer with id '01J000000000000000000NOPE0'",
    )
    assert_refused(cli(home, "production", "show", "X"), "not_found", "no production with id 'X'")
    assert_refused(cli(home, "apikey", "revoke", "X"), "not_found", "no API key with id 'X'")
    assert_refused(cli(home, "apikey", "create", "X"), "not_found", "no account with id 'X'")
    assert_refused(
        cli(home, "performer", "update", "X", "--domicile", "US-NY"),
        "not_found",
        "no performer with id 'X'",
    )


def test_duplicate_member_number(home: Path) -> None:
    first = ok_json(home, "performer", "add", *ADA)
    assert isinstance(first, dict)
    assert_refused(
        cli(home, "performer", "add", *ADA),
        "conflict",
        f"SAG-AFTRA member number 100 is already registered to performer {first['id']}",
    )
    assert count(home, "performers") == 1


def test_date_of_death_before_birth(home: Path) -> None:
    result = cli(
        home,
        "performer",
        "add",
        "--legal-name",
        "X",
        "--date-of-birth",
        "1990-01-01",
        "--deceased-on",
        "1980-01-01",
    )
    assert_refused(result, "invalid", "date of death 1980-01-01 is before date of birth 1990-01-01")
    assert count(home, "performers") == 0


def test_malformed_dates_name_the_field(home: Path) -> None:
    result = cli(home, "performer", "add", "--legal-name", "X", "--date-of-birth", "01/02/1990")
    assert_refused(
        result, "invalid", "date of birth '01/02/1990' is not an ISO 8601 date (YYYY-MM-DD)"
    )


def test_malformed_database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIKENESS_DATABASE_URL", "postgres//oops")
    assert_refused(
        cli(tmp_path / "home", "init"),
        "configuration",
        "invalid configuration: LIKENESS_DATABASE_URL: not a database URL",
    )
    assert not (tmp_path / "home").exists()


def test_unwritable_home(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = cli(blocker / "home", "init")
    assert_refused(result, "home", f"cannot write the data home at {blocker}")
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def test_second_init(home: Path) -> None:
    before = {p: p.read_bytes() for p in home.rglob("*") if p.is_file() and "db" not in p.name}
    assert_refused(cli(home, "init"), "home", f"{home} is already an initialised data home")
    assert {
        p: p.read_bytes() for p in home.rglob("*") if p.is_file() and "db" not in p.name
    } == before


def test_commands_before_init_say_how_to_start(tmp_path: Path) -> None:
    result = cli(tmp_path / "none", "performer", "list")
    assert_refused(result, "home", f"no data home at {tmp_path / 'none'}")
    assert "run 'likeness init'" in result.stderr
    assert not (tmp_path / "none").exists()


def test_bad_import_names_rows_and_imports_nothing(home: Path, tmp_path: Path) -> None:
    roster = tmp_path / "cast.csv"
    roster.write_text(
        "legal_name,professional_name,union,member_number,date_of_birth\n"
        "Ada Lovelace,,SAG-AFTRA,1,1990-06-15\n"
        "Bad Date,,SAG-AFTRA,2,1990-02-30\n"
    )
    result = cli(home, "performer", "import", str(roster))
    assert_refused(result, "invalid", f"{roster}: 1 bad row(s); nothing was imported")
    assert "line 3: date_of_birth '1990-02-30' is not an ISO 8601 date" in result.stderr
    assert count(home, "performers") == 0


# -- accounts and keys --------------------------------------------------------


def test_api_key_lifecycle(home: Path) -> None:
    from likeness.bootstrap import build_services
    from likeness.errors import AuthenticationError
    from likeness.settings import load_settings

    performer = ok_json(home, "performer", "add", *ADA)
    assert isinstance(performer, dict)
    account = ok_json(
        home,
        "account",
        "add",
        "Ada's agent",
        "--role",
        "representative",
        "--performer",
        performer["id"],
    )
    assert isinstance(account, dict)
    issued = ok_json(home, "apikey", "create", account["id"], "--label", "laptop")
    assert isinstance(issued, dict)
    token = issued["token"]
    assert token.startswith(f"llk_{issued['id']}_")

    listed = ok_json(home, "apikey", "list")
    assert listed == [{k: v for k, v in issued.items() if k != "token"}]
    services = build_services(load_settings(home=home))
    stored = b"".join(stored_files(home, services.database).values())
    assert b"laptop" in stored  # the search sees the key's row (its label)
    # only its hash is kept (the secret is what follows the id: it may hold "_" itself)
    assert token.removeprefix(f"llk_{issued['id']}_").encode() not in stored

    try:
        assert services.accounts.authenticate(token).id == account["id"]
        assert ok_json(home, "apikey", "revoke", issued["id"])["active"] is False  # type: ignore[index]
        # Revoked by another process: this one's key cache notices within ChangeWatch's
        # max_age (0.1 s), the longest it leaves the change counter unread.
        time.sleep(0.15)
        with pytest.raises(AuthenticationError, match=f"API key {issued['id']} was revoked"):
            services.accounts.authenticate(token)
        with pytest.raises(AuthenticationError, match="malformed"):
            services.accounts.authenticate("hello")
    finally:
        services.close()
    assert_refused(
        cli(home, "apikey", "revoke", issued["id"]),
        "conflict",
        f"API key {issued['id']} was already revoked",
    )


def test_account_role_must_match_its_tie(home: Path) -> None:
    assert_refused(
        cli(home, "account", "add", "Studio", "--role", "production"),
        "invalid",
        "a production account must name its production",
    )
    assert count(home, "accounts") == 0


def test_version() -> None:
    result = runner.invoke(app, ["version", "--json"])
    assert result.exit_code == 0
    from likeness import __version__

    assert json.loads(result.stdout)["version"] == __version__


def test_secrets_are_never_printed(tmp_path: Path) -> None:
    import base64

    home = tmp_path / "home"
    outputs = [cli(home, "init"), cli(home, "status"), cli(home, "status", "--json")]
    for name in ("master.key", "signing.key"):
        encoded = (home / "secrets" / name).read_text().strip()
        raw = base64.b64decode(encoded)
        for result in outputs:
            assert encoded not in result.output
            assert raw.hex() not in result.output
