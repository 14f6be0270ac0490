"""Table definitions. Tables never leave ``store/``: repositories map rows to domain objects.

Kept dialect-neutral (no SQLite- or PostgreSQL-only types) so the same
migrations run on both.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from likeness.store.database import UTCDateTime

# Named constraints so migrations can refer to them on every dialect.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = 26  # ULID length

performers = Table(
    "performers",
    metadata,
    Column("id", String(ID), primary_key=True),
    # Personal fields are sealed under the performer's personal key (store/record_keys.py,
    # store/sealed_fields.py): erasure destroys the key, so no dead row or WAL copy of them
    # can be read afterwards, on any store.
    Column("legal_name", Text, nullable=False),
    Column("professional_name", Text),
    Column("union", Text),
    Column("member_number", Text),
    # A keyed hash of union and member number (RecordKeys.blind_index): one holder each.
    Column("membership", String(64), unique=True),
    Column("date_of_birth", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("date_of_death", Text),
    Column("domicile", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

representatives = Table(
    "representatives",
    metadata,
    Column(
        "performer_id",
        String(ID),
        ForeignKey("performers.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("position", String(8), primary_key=True),
    Column("name", Text, nullable=False),
    Column("capacity", String(16), nullable=False),
    Column("contact", Text),
)

productions = Table(
    "productions",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("title", Text, nullable=False),
    Column("company", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("agreement", String(32), nullable=False),
    Column("jurisdiction", String(8)),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date),
    Column("created_at", UTCDateTime, nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("name", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("performer_id", String(ID), ForeignKey("performers.id")),
    Column("production_id", String(ID), ForeignKey("productions.id")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("disabled_at", UTCDateTime),  # a disabled account can neither sign in nor use keys
    Column("last_sign_in_at", UTCDateTime),  # the retention schedule's sign-in interaction
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("account_id", String(ID), ForeignKey("accounts.id"), nullable=False),
    Column("label", Text, nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Column("expires_at", UTCDateTime),
    Index("ix_api_keys_account_id", "account_id"),
)

# One row, bumped by every write that can change who a key belongs to or how a use is
# decided (consents, performers, productions, keys): in-process caches compare it.
change_counter = Table(
    "change_counter",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("n", BigInteger, nullable=False),
)

# -- the service: portal logins, sessions, webhooks, scan jobs (api/, services/) -----

# A portal login: an account's username and argon2id password hash.
logins = Table(
    "logins",
    metadata,
    Column("account_id", String(ID), ForeignKey("accounts.id"), primary_key=True),
    Column("username", String(64), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("username", name="uq_logins_username"),
)

# Portal sessions by the SHA-256 of their cookie; the CSRF token is per session.
sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("account_id", String(ID), ForeignKey("accounts.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    # Ended everywhere (password changed, account disabled, keys revoked): kept until it
    # expires so that its cookie is answered with the reason, not a bare refusal.
    Column("ended_at", UTCDateTime),
    Column("end_reason", String(32)),
    # The signed-in device the owner sees (browser name and address at sign-in) and when
    # the session was last used (updated at most once a minute), to end one by hand.
    Column("device", String(200)),
    Column("address", String(64)),
    Column("last_seen_at", UTCDateTime),
    Index("ix_sessions_account_id", "account_id"),
)

# Failed sign-ins by the SHA-256 of (username, client address) and of the address alone,
# shared by every server process; a row is forgotten a day after its last failure.
login_throttle = Table(
    "login_throttle",
    metadata,
    Column("key_hash", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", UTCDateTime, nullable=False),
    Column("blocked_until", UTCDateTime),
    Index("ix_login_throttle_last_failure_at", "last_failure_at"),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("account_id", String(ID), ForeignKey("accounts.id"), nullable=False),
    Column("url", Text, nullable=False),
    Column("secret", LargeBinary, nullable=False),  # sealed under the master key
    Column("events", Text, nullable=False),  # JSON list of event types
    Column("created_at", UTCDateTime, nullable=False),
    Column("disabled_at", UTCDateTime),
    Index("ix_webhooks_account_id", "account_id"),
)

# The outbox and delivery log: one row per (event, webhook), written in the same
# transaction as the event it announces.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("webhook_id", String(ID), ForeignKey("webhooks.id"), nullable=False),
    Column("event_id", String(ID), nullable=False),
    Column("event_type", String(32), nullable=False),
    Column("performer_id", String(ID)),  # for erasure
    Column("payload", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime),
    Column("last_status", Integer),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime),
    Index("ix_webhook_deliveries_status", "status", "next_attempt_at"),
    Index("ix_webhook_deliveries_webhook_id", "webhook_id"),
)

scan_jobs = Table(
    "scan_jobs",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("account_id", String(ID), ForeignKey("accounts.id"), nullable=False),
    Column("production_id", String(ID), ForeignKey("productions.id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("options", Text, nullable=False),  # JSON
    Column("media", Text, nullable=False),  # JSON list of uploaded file names
    Column("report", Text),  # sealed JSON (base64), once done: it holds face thumbnails
    Column("shows", Text),  # JSON list of the performer ids the report shows (for erasure)
    Column("error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    # A clearance credential asked for with the scan (JSON: domain.scan_job.CredentialOutcome);
    # NULL for a scan alone. The signed copy waits in <home>/credentials/, sealed under the
    # report's key.
    Column("credential", Text),
    Index("ix_scan_jobs_production_id", "production_id"),
)

# The progress of long work any process can read and cancel: a scan job or credential
# signing (id = the scan job's id) or a watch run. ``stage`` is what it is doing now,
# ``done`` of ``total`` (NULL while unknown) its units; a cancel is asked for by setting
# ``cancel_requested_at``, and the worker stops at its next progress report.
tasks = Table(
    "tasks",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("kind", String(16), nullable=False),  # scan, credential, watch
    Column("account_id", String(ID), ForeignKey("accounts.id"), nullable=False),
    Column("status", String(16), nullable=False),  # running, done, failed, cancelled
    Column("stage", String(120), nullable=False),
    Column("done", BigInteger, nullable=False),
    Column("total", BigInteger),
    Column("cancel_requested_at", UTCDateTime),
    Column("started_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("message", Text),
    Index("ix_tasks_account_id", "account_id"),
)

# -- the transparency log (see docs/ledger.md) ------------------------------------

log_entries = Table(
    "log_entries",
    metadata,
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
)

# Complete-subtree hashes by stored-hash index (ledger.merkle.stored_hash_index).
log_hashes = Table(
    "log_hashes",
    metadata,
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
)

# One row: the tree size and the signed checkpoint that covers it.
log_state = Table(
    "log_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("size", BigInteger, nullable=False),
    Column("checkpoint", Text, nullable=False),
)

# The witnesses each new checkpoint is sent to (C2SP tlog-witness), and the latest
# cosignature each returned: the checkpoint body it cosigned and its signature line.
witnesses = Table(
    "witnesses",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("url", Text, nullable=False),
    Column("verifier_key", Text, nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
    Column("cosigned_size", BigInteger),
    Column("cosigned_body", Text),
    Column("cosignature", Text),
    Column("last_attempt_at", UTCDateTime),
    Column("last_error", Text),
)

# Per-record salts for the log's commitments; deleting one erases what it protects.
record_salts = Table(
    "record_salts",
    metadata,
    Column("record_key", String(64), primary_key=True),
    Column("salt", LargeBinary(32), nullable=False),
)

# -- consents and uses (see services/consents.py, services/uses.py) -------------------

# An index of consents for listing; their state is the fold of consent_events.
consents = Table(
    "consents",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("performer_id", String(ID), ForeignKey("performers.id"), nullable=False),
    Column("production_id", String(ID), ForeignKey("productions.id"), nullable=False),
    Column("requested_at", UTCDateTime, nullable=False),
    Index("ix_consents_performer_id", "performer_id"),
)

consent_events = Table(
    "consent_events",
    metadata,
    Column("consent_id", String(ID), ForeignKey("consents.id"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("type", String(16), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("data", Text, nullable=False),  # JSON
    Column("log_index", BigInteger, nullable=False),
)

uses = Table(
    "uses",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("performer_id", String(ID), ForeignKey("performers.id"), nullable=False),
    Column("production_id", String(ID), ForeignKey("productions.id"), nullable=False),
    Column("use_date", Date, nullable=False),
    Column("facts", Text, nullable=False),  # JSON: the use as reported
    Column("decision", Text, nullable=False),  # JSON: the decision and its compensation
    Column("outcome", String(16), nullable=False),
    Column("total", String(32), nullable=False),  # Decimal as text: exact on every dialect
    Column("currency", String(3), nullable=False),
    Column("reported_at", UTCDateTime, nullable=False),
    Column("log_index", BigInteger, nullable=False),
    Index("ix_uses_performer_id_use_date", "performer_id", "use_date"),
)

# Whose biometric data the vault holds, and since when (the retention schedule reads it);
# the key itself is a record key (store/record_keys.py: ``biometric:<performer>``).
vault_keys = Table(
    "vault_keys",
    metadata,
    Column("performer_id", String(ID), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
)

# Per-record data keys wrapped by the master key (store/record_keys.py). On PostgreSQL
# this table stays empty: the keys live in the data home's keys.db, where deleting a row
# destroys it.
record_keys = Table(
    "record_keys",
    metadata,
    Column("owner", String(64), primary_key=True),
    Column("wrapped", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Biometric templates: the vectors themselves are sealed in the vault (store/vault.py).
templates = Table(
    "templates",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("performer_id", String(ID), ForeignKey("performers.id"), nullable=False),
    Column("modality", String(8), nullable=False),
    Column("model_id", String(64), nullable=False),
    Column("source_sha256", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_templates_performer_id", "performer_id"),
)

# "This is not me": a (media, performer) pair that identification must never report.
match_corrections = Table(
    "match_corrections",
    metadata,
    Column("media_sha256", String(64), primary_key=True),
    Column("performer_id", String(ID), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
)

# Appearances a clearance scan found no consent for (each also an appearance.flagged
# log entry), listed for the performer they show and counted for auditors.
flags = Table(
    "flags",
    metadata,
    Column("log_index", BigInteger, primary_key=True, autoincrement=False),
    Column("performer_id", String(ID), ForeignKey("performers.id"), nullable=False),
    # None: found by a watcher decided against no production (``watch add --any``)
    Column("production_id", String(ID), ForeignKey("productions.id"), nullable=True),
    Column("media", Text, nullable=False),  # the file's name as scanned
    Column("media_sha256", String(64)),
    Column("modality", String(8), nullable=False),
    Column("start_s", String(16), nullable=False),  # seconds as decimal text
    Column("end_s", String(16), nullable=False),
    Column("flagged_at", UTCDateTime, nullable=False),
    Column("submitted_by", String(ID)),  # the account whose scan job flagged it (HTTP)
    Column("location", Text),  # where a watcher found the media (its URL), if it did
    Index("ix_flags_performer_id", "performer_id"),
)

# -- enforcement (docs/enforcement.md) -----------------------------------------------

# Sources a watcher polls for new media: a feed (RSS, Atom, JSON), an HTTP directory
# listing or a local folder; decided for a production, or for none (``--any``).
watched_sources = Table(
    "watched_sources",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("url", Text, nullable=False),
    Column("kind", String(16), nullable=False),  # feed, listing, folder
    Column("production_id", String(ID), ForeignKey("productions.id")),
    Column("added_by", String(ID)),
    Column("added_at", UTCDateTime, nullable=False),
    Column("last_run_at", UTCDateTime),
    Column("last_error", Text),
)

# Every item a source listed, remembered by URL (and by content once fetched) so that
# nothing is fetched or scanned twice.
watched_items = Table(
    "watched_items",
    metadata,
    Column(
        "source_id",
        String(ID),
        ForeignKey("watched_sources.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("url", Text, primary_key=True),
    Column("sha256", String(64)),
    Column("status", String(16), nullable=False),  # scanned, matched, error, duplicate, ...
    Column("detail", Text),  # an error, or what was found (JSON)
    Column("seen_at", UTCDateTime, nullable=False),
    Index("ix_watched_items_sha256", "sha256"),
)

# Takedown notices drafted from flags, and each step a person records for them.
takedowns = Table(
    "takedowns",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("flag_log_index", BigInteger, ForeignKey("flags.log_index"), nullable=False),
    Column("performer_id", String(ID), ForeignKey("performers.id"), nullable=False),
    Column("location", Text, nullable=False),  # where the material is (URL or file)
    Column("status", String(16), nullable=False),
    Column("notice", Text, nullable=False),  # sealed JSON under the performer's key
    Column("created_by", String(ID)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_takedowns_performer_id", "performer_id"),
)

takedown_steps = Table(
    "takedown_steps",
    metadata,
    Column(
        "takedown_id",
        String(ID),
        ForeignKey("takedowns.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("status", String(16), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("note", Text),  # sealed under the performer's key
    Column("recorded_by", String(ID)),
    Column("log_index", BigInteger, nullable=False),
)

# Stay-down fingerprints of flagged segments (perceptual; no biometric template).
fingerprints = Table(
    "fingerprints",
    metadata,
    Column(
        "flag_log_index",
        BigInteger,
        ForeignKey("flags.log_index", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("media_sha256", String(64)),
    Column("kind", String(8), nullable=False),  # video, image, audio
    Column("start_s", String(16), nullable=False),
    Column("end_s", String(16), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Retention (services/retention.py): the last sign-in seen for a performer's accounts
# (sessions are deleted when they end, so their dates are copied here), the deadline the
# last warning announced (one warning per deadline), and when biometrics were destroyed.
retention_marks = Table(
    "retention_marks",
    metadata,
    Column(
        "performer_id",
        String(ID),
        ForeignKey("performers.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("warned_for", Date),
    Column("warned_at", UTCDateTime),
    Column("destroyed_at", UTCDateTime),
)

# Threshold calibrations per model (services/calibration.py): counts and digests only,
# never the operator's files, labels or embeddings. At most one active per model.
calibrations = Table(
    "calibrations",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("modality", String(8), nullable=False),
    Column("model_id", String(128), nullable=False),
    Column("detector_id", String(128)),
    Column("dataset_sha256", String(64), nullable=False),
    Column("people", Integer, nullable=False),
    Column("files", Integer, nullable=False),
    Column("genuine_pairs", BigInteger, nullable=False),
    Column("impostor_pairs", BigInteger, nullable=False),
    Column("threshold", String(16), nullable=False),  # decimal text, as chosen
    Column("target_fmr", String(16), nullable=False),
    # JSON: FMR and FNMR at the threshold, bounded; the distances' histogram (counts)
    Column("rates", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", Text),
    Column("active", Boolean, nullable=False),
    Index("ix_calibrations_model", "modality", "model_id"),
)
