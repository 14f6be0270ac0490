"""The data home: created all or nothing, secrets private, a second init refused."""

import json
import stat
from pathlib import Path

import pytest

from likeness.bootstrap import build_services, initialise
from likeness.errors import (
    HomeAlreadyInitialisedError,
    HomeNotInitialisedError,
    HomeNotWritableError,
    StoreError,
)
from likeness.settings import load_settings


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_init_creates_database_and_private_secrets(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home")
    layout = initialise(settings)
    assert json.loads(layout.marker.read_text())["format"] == 1
    # The data home's own SQLite file, unless the database is on a server.
    assert layout.database.is_file() is (settings.database_url is None)
    assert stat.S_IMODE(layout.secrets.stat().st_mode) == 0o700
    for key in (
        layout.master_key,
        layout.signing_key,
        layout.credential_key,
        layout.credential_ca_key,
    ):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert layout.master_key.read_bytes() != layout.signing_key.read_bytes()
    # the clearance-credential key and its chain (leaf, then the CA): the key is never
    # printed, the chain is public
    assert layout.credential_key.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert layout.credential_chain.read_bytes().count(b"-----BEGIN CERTIFICATE-----") == 2
    assert [p.name for p in tmp_path.iterdir()] == ["home"]  # no staging left behind


def test_second_init_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home")
    initialise(settings)
    before = snapshot(settings.home)
    with pytest.raises(HomeAlreadyInitialisedError, match="already an initialised data home"):
        initialise(settings)
    assert snapshot(settings.home) == before


def test_init_into_an_empty_existing_directory(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    initialise(load_settings(home=tmp_path / "home"))
    assert (tmp_path / "home" / "home.json").is_file()


def test_unwritable_location_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(HomeNotWritableError, match="cannot write the data home"):
        initialise(load_settings(home=blocker / "nested" / "home"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_non_empty_directory_is_not_taken_over(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "notes.txt").write_text("mine")
    with pytest.raises(HomeNotWritableError, match="not an empty directory"):
        initialise(load_settings(home=tmp_path / "home"))
    assert [p.name for p in (tmp_path / "home").iterdir()] == ["notes.txt"]


def test_database_failure_during_init_leaves_no_home(tmp_path: Path) -> None:
    unreachable = f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}"
    settings = load_settings(home=tmp_path / "deep" / "home", database_url=unreachable)
    with pytest.raises(StoreError, match="cannot migrate the database"):
        initialise(settings)
    assert list(tmp_path.iterdir()) == []  # not even the parent it had to create


def test_services_need_an_initialised_home(tmp_path: Path) -> None:
    with pytest.raises(HomeNotInitialisedError, match="no data home at") as raised:
        build_services(load_settings(home=tmp_path / "nowhere"))
    assert "run 'likeness init'" in raised.value.diagnostics()
    assert not (tmp_path / "nowhere").exists()


def test_master_key_comes_from_the_home_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import base64

    settings = load_settings(home=tmp_path / "home")
    layout = initialise(settings)
    services = build_services(settings)
    assert services.master_key == base64.b64decode(layout.master_key.read_text())
    assert repr(services.master_key) not in repr(services)
    services.close()

    override = base64.b64encode(bytes(range(32))).decode()
    monkeypatch.setenv("LIKENESS_MASTER_KEY", override)
    services = build_services(load_settings(home=tmp_path / "home"))
    assert services.master_key == bytes(range(32))
    services.close()


@pytest.mark.parametrize("bad", ["c2hvcnQ=", "not base64!"])
def test_malformed_master_key_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    from likeness.errors import ConfigurationError

    initialise(load_settings(home=tmp_path / "home"))
    monkeypatch.setenv("LIKENESS_MASTER_KEY", bad)
    with pytest.raises(ConfigurationError, match="LIKENESS_MASTER_KEY is not 32 bytes of base64"):
        build_services(load_settings(home=tmp_path / "home"))
