from pathlib import Path

import pytest

from likeness.errors import ConfigurationError
from likeness.settings import Environment, load_settings


def test_defaults_put_the_home_in_the_working_directory(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.home == tmp_path / "likeness-data"  # conftest chdirs to tmp_path
    assert settings.database_url is None
    assert settings.environment is Environment.PRODUCTION  # unless told otherwise


def test_environment_is_read_and_flags_win(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LIKENESS_HOME", str(tmp_path / "from-env"))
    assert load_settings().home == tmp_path / "from-env"
    assert load_settings(home=tmp_path / "from-flag").home == tmp_path / "from-flag"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "LIKENESS_DATABASE_URL: not a database URL"),
        ("mysql://u@h/db", "LIKENESS_DATABASE_URL: unsupported database 'mysql'"),
    ],
)
def test_bad_database_urls_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, url: str, message: str
) -> None:
    monkeypatch.setenv("LIKENESS_DATABASE_URL", url)
    with pytest.raises(ConfigurationError, match=message):
        load_settings()


def test_postgres_and_sqlite_urls_are_accepted() -> None:
    assert load_settings(database_url="postgresql://u:p@localhost/likeness").database_url
    assert load_settings(database_url="sqlite:///x.db").database_url == "sqlite:///x.db"


def test_placeholder_master_key_is_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIKENESS_ENVIRONMENT", "production")
    monkeypatch.setenv("LIKENESS_MASTER_KEY", "changeme")
    with pytest.raises(ConfigurationError, match="placeholder"):
        load_settings()
    monkeypatch.setenv("LIKENESS_ENVIRONMENT", "development")
    assert load_settings().master_key is not None


def test_secrets_do_not_show_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIKENESS_MASTER_KEY", "c2VjcmV0LWtleS1ieXRlcw==")
    assert "c2VjcmV0" not in repr(load_settings())


def test_unknown_environment_value_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIKENESS_ENVIRONMENT", "staging")
    with pytest.raises(ConfigurationError, match="LIKENESS_ENVIRONMENT"):
        load_settings()
