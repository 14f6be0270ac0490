"""The one settings object, read from ``LIKENESS_*`` variables and command-line flags.

Nothing here runs at import: ``load_settings()`` is called by the composition
root's callers (the CLI, the tests) and the result is passed down.
Every field is documented in ``docs/configuration.md`` (a test checks it).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from likeness.errors import ConfigurationError

SUPPORTED_DATABASES = ("sqlite", "postgresql")
# Values people paste from examples; refused outside development.
_PLACEHOLDERS = {"", "changeme", "change-me", "secret", "password", "placeholder", "xxx", "todo"}


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIKENESS_", extra="forbid", frozen=True)

    home: Path = Field(
        default=Path("likeness-data"),
        description="Data home: database, secrets and vault live here.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the database; defaults to SQLite in the data home.",
    )
    # Production unless told otherwise: a deployment that forgets to say must not get
    # development's leniency (cookies without Secure). 'serve --demo' picks development.
    environment: Environment = Field(
        default=Environment.PRODUCTION,
        description="production (the default) or development; production refuses "
        "placeholder secrets and demo homes and sets Secure cookies.",
    )
    master_key: SecretStr | None = Field(
        default=None,
        description="Base64 master key; overrides secrets/master.key (for secret stores).",
    )

    log_origin: str = Field(
        default="likeness.localhost/log",
        description="Origin line of the log's checkpoints, also its signing key's name.",
    )

    face_match_threshold: float = Field(
        default=0.50,
        gt=0.0,
        lt=2.0,
        description="Euclidean distance below which a face is a match (dlib ResNet).",
    )

    face_detector: Literal["hog", "cnn"] = Field(
        default="hog",
        description="dlib face detector: hog (fast, frontal) or cnn (robust, ~90x slower).",
    )
    voice_match_threshold: float = Field(
        default=0.40,
        gt=0.0,
        lt=2.0,
        description="Euclidean distance between unit d-vectors below which a voice matches.",
    )

    scan_runner: Literal["local", "ray"] = Field(
        default="local",
        description="Where scans detect faces and voices: local (this process) or ray.",
    )
    ray_address: str | None = Field(
        default=None,
        description="Ray cluster address for scans on Ray; unset: a local Ray on 127.0.0.1.",
    )

    max_upload_bytes: int = Field(
        default=200 * 1024 * 1024,
        gt=0,
        description="Largest request body the server accepts (uploads); larger ones get 413.",
    )
    scan_workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Threads running clearance-scan jobs submitted over HTTP.",
    )
    webhook_first_retry_seconds: float = Field(
        default=10.0,
        gt=0.0,
        description="Delay before a failed webhook's first retry; each retry waits 4x longer.",
    )
    webhook_max_attempts: int = Field(
        default=8,
        ge=1,
        le=50,
        description="Attempts before a webhook delivery is marked failed.",
    )

    watch_max_bytes: int = Field(
        default=256 * 1024 * 1024,
        ge=1024,
        description="Largest media file a watcher fetches from a watched source, in bytes.",
    )
    watch_interval_seconds: float = Field(
        default=300.0,
        ge=1.0,
        description="Seconds between two runs of the watcher inside 'likeness serve'.",
    )
    watch_deadline_seconds: float = Field(
        default=120.0,
        gt=0.0,
        description="Time a watcher allows for fetching one feed or one media file.",
    )

    egress_allow: tuple[str, ...] = Field(
        default=(),
        description="Networks (CIDR) outbound requests may reach although not public.",
    )
    retention_years: int = Field(
        default=3,
        ge=1,
        le=3,
        description="Years after a performer's last interaction their biometrics are destroyed.",
    )
    retention_warning_days: int = Field(
        default=30,
        ge=0,
        le=365,
        description="Days before destruction the performer is warned.",
    )

    @field_validator("log_origin")
    @classmethod
    def _valid_origin(cls, value: str) -> str:
        if not value or any(c.isspace() or c == "+" for c in value):
            raise ValueError(
                "must be non-empty, with no spaces or '+' (e.g. ledger.example.org/log)"
            )
        return value

    @field_validator("home")
    @classmethod
    def _absolute_home(cls, value: Path) -> Path:
        return value.expanduser().absolute()

    @field_validator("database_url")
    @classmethod
    def _valid_database_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"not a database URL ({exc})") from None
        if url.get_backend_name() not in SUPPORTED_DATABASES:
            raise ValueError(
                f"unsupported database {url.get_backend_name()!r}; "
                f"use one of {', '.join(SUPPORTED_DATABASES)}"
            )
        return value

    @model_validator(mode="after")
    def _no_placeholder_secrets(self) -> Settings:
        if self.environment is Environment.DEVELOPMENT or self.master_key is None:
            return self
        if self.master_key.get_secret_value().strip().lower() in _PLACEHOLDERS:
            raise ValueError("master_key is a placeholder; refused outside development")
        return self


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the environment, with flags (``overrides``) taking precedence.

    A bad value becomes a ``ConfigurationError`` naming the variable to fix.
    """
    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]) or "settings"
            variable = f"LIKENESS_{field.upper()}" if error["loc"] else "settings"
            problems.append(f"{variable}: {error['msg'].removeprefix('Value error, ')}")
        raise ConfigurationError(
            "invalid configuration: " + "; ".join(problems),
            hint="see docs/configuration.md for every LIKENESS_* setting",
        ) from None
