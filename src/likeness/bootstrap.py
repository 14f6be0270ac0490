"""The composition root: the one place that turns settings into working services.

Entry points (CLI, API, tests) call ``build_services(settings)``; nothing
else creates engines, clocks or id factories.
"""

from __future__ import annotations

import base64
import binascii
import functools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from ulid import ULID

from likeness.egress import Egress, EgressPolicy, Resolver
from likeness.errors import ConfigurationError
from likeness.ledger.note import Signer
from likeness.ledger.receipt import Receipt
from likeness.provenance.manifest import C2paProvenanceReader
from likeness.recognition.encoders import Encoders
from likeness.recognition.phrase_check import PhraseRecogniser
from likeness.recognition.ports import FaceEncoder, VoiceEncoder
from likeness.scan.detect import DEFAULT_SETTINGS, Detector, LocalDetector
from likeness.scan.memory_files import MemoryFiles
from likeness.services.accounts import AccountService
from likeness.services.biometrics import BiometricShredder
from likeness.services.calibration import CalibrationService
from likeness.services.checks import CheckService
from likeness.services.consent_receipts import ConsentReceiptService
from likeness.services.consents import ConsentService
from likeness.services.credentials import CredentialService
from likeness.services.enrolment import EnrolmentService
from likeness.services.enrolment_phrase import PhraseEnrolmentService
from likeness.services.enrolment_video import VideoEnrolmentService
from likeness.services.events import PendingEvent
from likeness.services.fingerprints import FingerprintService
from likeness.services.gallery import GalleryService
from likeness.services.home import (
    HomeStatus,
    describe_home,
    initialise_home,
    load_credential_signer,
    migrate_to_head,
    sqlite_url,
    write_signing_identity,
)
from likeness.services.ledger import LedgerService
from likeness.services.log_writer import LogWriter
from likeness.services.logins import LoginService
from likeness.services.ports import Clock, IdFactory
from likeness.services.registry import RegistryService
from likeness.services.retention import RetentionPolicy, RetentionService
from likeness.services.scan_jobs import ScanJobService
from likeness.services.scans import ScanService
from likeness.services.takedowns import TakedownService
from likeness.services.tasks import TaskService
from likeness.services.uses import UseService
from likeness.services.watch import WatchRuns, WatchService
from likeness.services.webhooks import RetryPolicy, WebhookService
from likeness.services.witness_server import WitnessService
from likeness.services.witnesses import WitnessClientService
from likeness.settings import Settings
from likeness.store.database import Database, create_database_engine
from likeness.store.home import HomeLayout, read_secret
from likeness.store.index_files import IndexFiles
from likeness.store.leader import LeaderLock, leader_lock
from likeness.store.record_keys import RecordKeys, keys_file
from likeness.store.sealed_cache import SealedCache
from likeness.store.secret_box import SecretBox, derive_key
from likeness.store.upgrade import seal_what_is_in_clear, sweep_orphan_keys
from likeness.store.vault import VaultFiles
from likeness.store.witness_home import WitnessHome, create_witness_home

MASTER_KEY_BYTES = 32
SEED_BYTES = 32


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class UlidFactory:
    def new(self) -> str:
        return str(ULID())


@dataclass
class Services:
    layout: HomeLayout
    master_key: bytes = field(repr=False)
    database: Database
    ledger: LedgerService
    registry: RegistryService
    accounts: AccountService
    consents: ConsentService
    consent_receipts: ConsentReceiptService
    uses: UseService
    encoders: Encoders
    enrolment: EnrolmentService
    gallery: GalleryService
    scans: ScanService
    detector: Detector
    logins: LoginService
    webhooks: WebhookService
    witnesses: WitnessClientService
    retention: RetentionService
    settings: Settings
    clock: Clock
    ids: IdFactory
    memory: MemoryFiles  # uploads held in memory while they are worked on
    watch: WatchService  # watched sources (docs/enforcement.md)
    tasks: TaskService  # progress and cancelling of long work (services/tasks.py)

    _writer: LogWriter[PendingEvent, int] | None = field(default=None, repr=False)
    _receipt_writer: LogWriter[PendingEvent, Receipt] | None = field(default=None, repr=False)
    _phrase_enrolment: PhraseEnrolmentService | None = field(default=None, repr=False)
    _scan_jobs: ScanJobService | None = field(default=None, repr=False)
    _checks: CheckService | None = field(default=None, repr=False)
    _credentials: CredentialService | None = field(default=None, repr=False)
    _takedowns: TakedownService | None = field(default=None, repr=False)
    _fingerprints: FingerprintService | None = field(default=None, repr=False)
    _calibrations: CalibrationService | None = field(default=None, repr=False)
    _executor: ThreadPoolExecutor | None = field(default=None, repr=False)
    _watch_runs: WatchRuns | None = field(default=None, repr=False)
    _watch_executor: ThreadPoolExecutor | None = field(default=None, repr=False)

    def leader_lock(self, name: str) -> LeaderLock:
        """The leader lock ``name`` of this store (store/leader.py): what must run in one
        server process at a time holds it."""
        return leader_lock(self.database, self.layout.root, name)

    def log_writer(self) -> LogWriter[PendingEvent, int]:
        """The group-commit writer for standalone log events, started on first use."""
        if self._writer is None:
            self._writer = LogWriter(self.ledger.append)
        return self._writer

    def receipt_writer(self) -> LogWriter[PendingEvent, Receipt]:
        """Group commit that answers each event with its receipt (checks)."""
        if self._receipt_writer is None:
            self._receipt_writer = LogWriter(self.ledger.append_with_receipts)
        return self._receipt_writer

    @property
    def checks(self) -> CheckService:
        if self._checks is None:  # built once: this is the API's hot path
            self._checks = CheckService(
                uses=self.uses,
                gallery=self.gallery,
                append=lambda item: self.receipt_writer().submit(item),
                clock=self.clock,
            )
        return self._checks

    @property
    def video_enrolment(self) -> VideoEnrolmentService:
        """Face enrolment from a video of the head turning, with a liveness check."""
        return VideoEnrolmentService(
            database=self.database, encoders=self.encoders, enrolment=self.enrolment
        )

    @property
    def phrase_enrolment(self) -> PhraseEnrolmentService:
        """Voice enrolment with a spoken phrase (its recogniser loads once, on first use)."""
        if self._phrase_enrolment is None:
            self._phrase_enrolment = PhraseEnrolmentService(
                database=self.database,
                clock=self.clock,
                key=derive_key(self.master_key, "enrolment-phrase"),
                recogniser=PhraseRecogniser(),
                enrolment=self.enrolment,
            )
        return self._phrase_enrolment

    @property
    def scan_jobs(self) -> ScanJobService:
        """Scan jobs over HTTP, run on their own threads (started on first use)."""
        if self._scan_jobs is None:
            self._executor = ThreadPoolExecutor(
                max_workers=self.settings.scan_workers, thread_name_prefix="likeness-scan"
            )
            self._scan_jobs = ScanJobService(
                database=self.database,
                clock=self.clock,
                ids=self.ids,
                scans=self.scans,
                root=self.layout.root / "jobs",
                executor=self._executor,
                reports=SecretBox(self.master_key, "scan-report"),
                memory=self.memory,
                tasks=self.tasks,
                credentials=lambda: self.credentials,
                signed_root=self.layout.root / "credentials",
            )
        return self._scan_jobs

    @property
    def watch_runs(self) -> WatchRuns:
        """Runs of the watcher started from the portal, on a thread of their own (started
        on first use, stopped with the services)."""
        if self._watch_runs is None:
            self._watch_executor = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="likeness-watch-run"
            )
            self._watch_runs = WatchRuns(
                watch=self.watch,
                tasks=self.tasks,
                executor=self._watch_executor,
                clock=self.clock,
                ids=self.ids,
                database=self.database,
                root=self.layout.root / "watch-runs",
            )
        return self._watch_runs

    @property
    def credentials(self) -> CredentialService:
        """Clearance credentials, signed with the home's key (made now for a home that
        predates them)."""
        if self._credentials is None:
            if not self.layout.credential_chain.exists():
                write_signing_identity(self.layout, self.settings.log_origin, self.clock.now())
            self._credentials = CredentialService(
                scans=self.scans,
                consents=self.consents,
                ledger=self.ledger,
                database=self.database,
                clock=self.clock,
                signer=load_credential_signer(self.layout),
            )
        return self._credentials

    @property
    def takedowns(self) -> TakedownService:
        """Takedown notices: drafted with stills from the scan jobs' sealed reports."""
        if self._takedowns is None:
            self._takedowns = TakedownService(
                database=self.database,
                ledger=self.ledger,
                registry=self.registry,
                uses=self.uses,
                clock=self.clock,
                ids=self.ids,
                stills=lambda production, flags: self.scan_jobs.stills(production, flags),
                outbox=self.webhooks,
            )
        return self._takedowns

    @property
    def fingerprints(self) -> FingerprintService:
        """Stay-down fingerprints of flagged segments: kept, shared, matched."""
        if self._fingerprints is None:
            self._fingerprints = FingerprintService(database=self.database, clock=self.clock)
        return self._fingerprints

    @property
    def calibrations(self) -> CalibrationService:
        """Match thresholds calibrated per model on an operator's labelled folders."""
        if self._calibrations is None:
            self._calibrations = CalibrationService(
                database=self.database,
                clock=self.clock,
                ids=self.ids,
                ledger=self.ledger,
                encoders=self.encoders,
                defaults=self.gallery.default_threshold,
                in_force=self.gallery.in_force,
            )
        return self._calibrations

    def status(self) -> HomeStatus:
        return describe_home(self.layout, self.database)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        if self._watch_runs is not None:
            self._watch_runs.stop()
        if self._watch_executor is not None:
            self._watch_executor.shutdown(wait=True, cancel_futures=True)
            self._watch_executor = None
        for writer in (self._writer, self._receipt_writer):
            if writer is not None:
                writer.close()
        self._writer = self._receipt_writer = None
        self.webhooks.close()
        self.detector.close()
        self.database.dispose()


def load_master_key(settings: Settings, layout: HomeLayout) -> bytes:
    """The 32-byte master key: ``LIKENESS_MASTER_KEY`` if set, else ``secrets/master.key``."""
    if settings.master_key is not None:
        source, text = "LIKENESS_MASTER_KEY", settings.master_key.get_secret_value()
    else:
        source = str(layout.master_key)
        try:
            text = layout.master_key.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigurationError(f"cannot read the master key at {source}: {exc}") from exc
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except binascii.Error:
        key = b""
    if len(key) != MASTER_KEY_BYTES:
        raise ConfigurationError(
            f"the master key in {source} is not {MASTER_KEY_BYTES} bytes of base64",
            hint="restore the key the data home was created with; without it the vault is lost",
        )
    return key


def record_keys(engine: Engine, layout: HomeLayout, master_key: bytes) -> RecordKeys:
    """The record keys: in the main database on SQLite, in the home's keys.db otherwise
    (store/record_keys.py says why)."""
    if engine.dialect.name == "sqlite":
        return RecordKeys(master_key)
    return RecordKeys(
        master_key, separate=create_database_engine(sqlite_url(keys_file(layout.root)))
    )


def build_egress(settings: Settings, resolver: Resolver | None = None) -> Egress:
    """The egress gate alone, for commands that need no data home (``credential verify
    --log``)."""
    return Egress(EgressPolicy.from_cidrs(settings.egress_allow), resolver=resolver)


def is_initialised(settings: Settings) -> bool:
    return HomeLayout(settings.home).is_initialised()


def initialise(settings: Settings, *, clock: Clock | None = None) -> HomeLayout:
    """``likeness init``: create the data home named by ``settings``."""
    return initialise_home(
        settings.home,
        database_url=settings.database_url,
        clock=clock or SystemClock(),
        organisation=settings.log_origin,
    )


def build_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    ids: IdFactory | None = None,
    encoders: Encoders | None = None,
    resolver: Resolver | None = None,
) -> Services:
    """Services over an initialised data home, its database migrated to the current schema.

    ``encoders`` replaces the face and voice models the settings name (tests pass the
    fakes of ``likeness.testing``); ``resolver`` replaces the system's name resolver of
    the egress gate (tests pass ``likeness.testing.FakeResolver``)."""
    layout = HomeLayout(settings.home)
    layout.require_initialised()
    master_key = load_master_key(settings, layout)
    egress = Egress(EgressPolicy.from_cidrs(settings.egress_allow), resolver=resolver)
    engine = create_database_engine(settings.database_url or sqlite_url(layout.database))
    database = Database(engine, record_keys(engine, layout, master_key))
    migrate_to_head(engine)
    seal_what_is_in_clear(database)
    sweep_orphan_keys(database)
    clock = clock or SystemClock()
    ids = ids or UlidFactory()
    ledger = LedgerService(
        database=database, signer=load_signer(settings, layout), origin=settings.log_origin
    )
    webhooks = WebhookService(
        database=database,
        clock=clock,
        ids=ids,
        master_key=master_key,
        retry=RetryPolicy(
            max_attempts=settings.webhook_max_attempts,
            first_delay=settings.webhook_first_retry_seconds,
        ),
        egress=egress,
    )
    uses = UseService(database=database, clock=clock, ids=ids, ledger=ledger, outbox=webhooks)
    vault = VaultFiles(layout.vault)
    index_files = IndexFiles(layout.index, master_key)
    scan_cache = SealedCache(layout.root / "scan-cache", master_key, "scan-cache")
    encoders = encoders or Encoders(
        functools.partial(default_face_encoder, settings.face_detector), default_voice_encoder
    )
    gallery = GalleryService(
        database=database,
        clock=clock,
        ledger=ledger,
        vault=vault,
        encoders=encoders,
        face_threshold=settings.face_match_threshold,
        voice_threshold=settings.voice_match_threshold,
        index_files=index_files,
    )
    biometrics = BiometricShredder(vault=vault, derived=(index_files, scan_cache, gallery))
    detector = build_detector(settings, encoders)
    fingerprints = FingerprintService(database=database, clock=clock)
    scans = ScanService(
        gallery=gallery,
        detector=detector,
        uses=uses,
        ledger=ledger,
        clock=clock,
        cache=scan_cache,
        database=database,
        outbox=webhooks,
        provenance=C2paProvenanceReader(),
        stay_down=fingerprints,
    )
    memory = MemoryFiles(layout.root / "held")
    return Services(
        layout=layout,
        master_key=master_key,
        database=database,
        ledger=ledger,
        registry=RegistryService(
            database=database,
            clock=clock,
            ids=ids,
            ledger=ledger,
            biometrics=biometrics,
        ),
        accounts=AccountService(database=database, clock=clock, ids=ids),
        consents=ConsentService(
            database=database, clock=clock, ids=ids, ledger=ledger, outbox=webhooks
        ),
        consent_receipts=ConsentReceiptService(database=database, ledger=ledger, clock=clock),
        uses=uses,
        encoders=encoders,
        gallery=gallery,
        enrolment=EnrolmentService(
            database=database,
            clock=clock,
            ids=ids,
            ledger=ledger,
            vault=vault,
            encoders=encoders,
            gallery=gallery,
            shredder=biometrics,
        ),
        detector=detector,
        scans=scans,
        logins=LoginService(
            database=database,
            clock=clock,
            throttle_key=derive_key(master_key, "login-throttle"),
        ),
        retention=RetentionService(
            database=database,
            clock=clock,
            ledger=ledger,
            shredder=biometrics,
            policy=RetentionPolicy(
                years=settings.retention_years, warning_days=settings.retention_warning_days
            ),
            on_destroyed=gallery.invalidate,
        ),
        webhooks=webhooks,
        witnesses=WitnessClientService(
            database=database, clock=clock, ledger=ledger, egress=egress
        ),
        settings=settings,
        clock=clock,
        ids=ids,
        memory=memory,
        tasks=TaskService(database=database, clock=clock, ids=ids),
        watch=WatchService(
            database=database,
            clock=clock,
            ids=ids,
            egress=egress,
            scans=scans,
            memory=memory,
            max_bytes=settings.watch_max_bytes,
            deadline=settings.watch_deadline_seconds,
            stay_down=lambda path: [m.flag_id for m in fingerprints.match(path)],
        ),
        _fingerprints=fingerprints,
    )


def initialise_witness(root: Path, *, name: str, clock: Clock | None = None) -> WitnessService:
    """``likeness --home W witness init``: a witness home with a new key."""
    create_witness_home(root, name=name, created_at=(clock or SystemClock()).now())
    return open_witness(root, clock=clock)


def open_witness(root: Path, *, clock: Clock | None = None) -> WitnessService:
    """The witness whose home is ``root`` (its own key and state; no database)."""
    return WitnessService(home=WitnessHome(root), clock=clock or SystemClock())


def build_detector(settings: Settings, encoders: Encoders) -> Detector:
    """Where scans detect: in this process, or as Ray tasks (``LIKENESS_SCAN_RUNNER``)."""
    if settings.scan_runner == "ray":
        from likeness.scan.ray_runner import RayDetector

        return RayDetector(encoders, DEFAULT_SETTINGS, address=settings.ray_address)
    return LocalDetector(encoders, DEFAULT_SETTINGS)


def default_voice_encoder() -> VoiceEncoder:
    """Resemblyzer, imported only when a voice is first encoded (the ``voice`` extra)."""
    from likeness.recognition.resemblyzer_voice import ResemblyzerVoiceEncoder

    return ResemblyzerVoiceEncoder()


def default_face_encoder(detector: str = "hog") -> FaceEncoder:
    """dlib, imported only when a face is first encoded (the ``face`` extra)."""
    from likeness.recognition.dlib_face import DlibFaceEncoder

    return DlibFaceEncoder(detector=detector)


def load_signer(settings: Settings, layout: HomeLayout) -> Signer:
    """The log's checkpoint signer: the Ed25519 seed in ``secrets/signing.key``,
    named by the log origin."""
    try:
        seed = read_secret(layout.signing_key)
    except (OSError, ValueError) as exc:
        raise ConfigurationError(
            f"cannot read the log signing key at {layout.signing_key}: {exc}",
            hint="restore the key the data home was created with",
        ) from exc
    if len(seed) != SEED_BYTES:
        raise ConfigurationError(f"the log signing key at {layout.signing_key} is not 32 bytes")
    return Signer(settings.log_origin, seed)
