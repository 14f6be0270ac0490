"""The retention schedule of biometric data (740 ILCS 14/15(a); docs/retention.md), with
the clock moved: a day before the deadline nothing is destroyed, a day after everything
biometric is, and logged. Every deadline below is written out by hand from the first
interaction on 2026-01-05 (the FixedClock's start): 3 years later is 2029-01-05."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from likeness.api.app import create_app
from likeness.bootstrap import Services, build_services, initialise
from likeness.cli.app import app
from likeness.domain.account import Role
from likeness.domain.consent import Grantor, Modality, ReplicaKind, UseDescription, UseFacts
from likeness.domain.lifecycle import ConsentRequest
from likeness.domain.production import Agreement, ProductionKind
from likeness.domain.retention import InteractionKind, RetentionAction
from likeness.domain.use import UseReport
from likeness.errors import ConfigurationError, LikenessError
from likeness.ledger.entry import commitment, decode_entry
from likeness.services.inputs import PerformerInput, ProductionInput
from likeness.services.retention import RetentionPolicy, RetentionReport, RetentionScheduler
from likeness.settings import Settings, load_settings
from likeness.store.log_store import SaltRepository
from likeness.store.record_keys import personal
from likeness.testing import FixedClock, fake_encoders
from likeness.testing.media import GREEN, RED, Block, Tone, face_image, tones_wav
from tests.api_world import PASSWORD, build_world
from tests.conftest import fake_cli
from tests.server import running_server

runner = CliRunner()
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # FixedClock's default start
DEADLINE = date(2029, 1, 5)  # START + 3 years
PASSWORD_OF_ADA = "a long enough password"


def move_to(clock: FixedClock, when: datetime) -> None:
    clock.advance(seconds=(when - clock.now()).total_seconds())


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


class Cast:
    """A performer enrolled by face and voice on START, and another one never enrolled."""

    def __init__(self, services: Services, tmp_path: Path) -> None:
        self.services = services
        self.photo = face_image(tmp_path / "ada.png", [Block(RED)])
        self.voice = tones_wav(tmp_path / "ada.wav", [Tone(200, 0, 4)], duration=4)
        registry = services.registry
        self.ada = registry.add_performer(
            PerformerInput(legal_name="Ada", date_of_birth=date(1980, 1, 1))
        ).value.id
        self.bo = registry.add_performer(
            PerformerInput(legal_name="Bo", date_of_birth=date(1981, 1, 1))
        ).value.id
        self.film = registry.add_production(
            ProductionInput(
                title="Night Shift",
                company="Acme",
                kind=ProductionKind.STREAMING,
                agreement=Agreement.SAG_AFTRA_TV_THEATRICAL,
                start_date=date(2025, 1, 1),
            )
        ).value.id
        services.enrolment.enrol(self.ada, [self.photo])
        services.enrolment.enrol(self.ada, [self.voice])
        # Ada's consent to the film, answered on START too: uses under it are covered.
        services.consents.grant(
            self.request_consent(until=date(2035, 1, 1)),
            by=Grantor.PERFORMER,
            signed_separately=True,
            clear_and_conspicuous=True,
        )

    def templates(self) -> int:
        with self.services.database.read() as connection:
            return int(
                connection.execute(
                    text("SELECT count(*) FROM templates WHERE performer_id = :p"), {"p": self.ada}
                ).scalar_one()
            )

    def vault_files(self) -> list[Path]:
        folder = self.services.layout.vault / self.ada
        return sorted(folder.iterdir()) if folder.exists() else []

    def index_files(self) -> list[Path]:
        root = self.services.layout.index
        return sorted(root.iterdir()) if root.exists() else []

    def face_found(self) -> bool:
        faces = self.services.gallery.identify(self.photo).faces
        return [f.performer_id for f in faces] == [self.ada]

    def voice_found(self) -> bool:
        voices = self.services.gallery.identify(self.voice).voices
        return self.ada in [v.performer_id for v in voices]

    def log_types(self) -> list[str]:
        """The type of every log entry naming Ada, in order."""
        ledger = self.services.ledger
        found = []
        for index in range(ledger.size()):
            entry = decode_entry(ledger.receipt(index).entry)
            ids = entry["ids"]
            if isinstance(ids, dict) and ids.get("performer") == self.ada:
                found.append(str(entry["type"]))
        return found

    def request_consent(self, until: date | None = None) -> str:
        """A production's request: its act alone, not Ada's."""
        today = self.services.clock.now().date()
        return self.services.consents.request(
            self.ada,
            self.film,
            ConsentRequest(
                replica_kind=ReplicaKind.EMPLOYMENT_BASED,
                modalities=frozenset({Modality.FACE}),
                description=UseDescription(
                    project="Night Shift",
                    purposes=("appear in the closing scene",),
                    character="Herself",
                    scenes=("12",),
                    media=("streaming",),
                    territory="worldwide",
                ),
                valid_from=today,
                valid_until=until or today + timedelta(days=365),
            ),
        ).value.id

    def answer_consent(self) -> None:
        """Ada answers a request: her own act."""
        self.services.consents.grant(
            self.request_consent(),
            by=Grantor.PERFORMER,
            signed_separately=True,
            clear_and_conspicuous=True,
        )

    def report_use(self, scene: str = "12") -> None:
        """A use; within Ada's consent (covered) unless another scene is given."""
        self.services.uses.report(
            UseReport(
                self.ada,
                UseFacts(
                    production_id=self.film,
                    replica_kind=ReplicaKind.EMPLOYMENT_BASED,
                    modalities=frozenset({Modality.FACE}),
                    purpose="",
                    date=self.services.clock.now().date(),
                    scenes=(scene,),
                ),
            )
        )

    def sign_in(self, role: Role = Role.PERFORMER) -> None:
        """A portal sign-in whose session is gone afterwards (signed out, with no page
        seen in between): it must count all the same."""
        account = self.services.accounts.add_account(
            f"ada-{role.value}", role, performer_id=self.ada
        )
        self.services.logins.set_password(account.id, f"ada-{role.value}", PASSWORD_OF_ADA)
        opened = self.services.logins.log_in(f"ada-{role.value}", PASSWORD_OF_ADA)
        self.services.logins.log_out(opened.token)


@pytest.fixture
def cast(fake_services: Services, tmp_path: Path) -> Cast:
    return Cast(fake_services, tmp_path)


def assert_biometrics_kept(cast: Cast) -> None:
    assert cast.templates() == 2
    assert len(cast.vault_files()) == 4  # a sealed source and a sealed template per sample
    assert cast.face_found() and cast.voice_found()
    assert cast.index_files() != []  # the gallery saved its (sealed) index


def assert_biometrics_destroyed(cast: Cast) -> None:
    assert cast.templates() == 0
    assert not (cast.services.layout.vault / cast.ada).exists()
    assert cast.index_files() == []
    with cast.services.database.read() as connection:
        keys = connection.execute(
            text("SELECT count(*) FROM vault_keys WHERE performer_id = :p"), {"p": cast.ada}
        ).scalar_one()
    assert keys == 0
    assert not cast.face_found() and not cast.voice_found()
    wal = cast.services.layout.database.with_name("likeness.db-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # no page image of the data key


# -- the boundaries -------------------------------------------------------------------


def test_a_day_before_the_deadline_nothing_is_destroyed_and_the_performer_is_warned(
    cast: Cast, clock: FixedClock
) -> None:
    assert_biometrics_kept(cast)
    move_to(clock, at(date(2029, 1, 4), hour=23))
    report = cast.services.retention.run()
    assert report.destroyed == ()
    assert_biometrics_kept(cast)
    [warned] = report.warned
    assert warned.holding.performer_id == cast.ada
    assert warned.holding.destroy_on == DEADLINE
    assert warned.holding.last_interaction.kind is InteractionKind.ENROLMENT
    assert cast.log_types()[-1] == "retention.warned"
    assert cast.services.ledger.audit().ok


def test_a_day_after_the_deadline_every_biometric_is_destroyed_and_logged(
    cast: Cast, clock: FixedClock
) -> None:
    consent = cast.request_consent()  # on START, with the enrolment
    cast.report_use()
    cast.face_found()  # the gallery now holds Ada's vectors in memory and in an index file
    move_to(clock, at(date(2029, 1, 6)))
    report = cast.services.retention.run()
    [destroyed] = report.destroyed
    assert destroyed.holding.performer_id == cast.ada
    assert destroyed.holding.templates == 2
    assert_biometrics_destroyed(cast)
    assert cast.log_types().count("retention.destroyed") == 1
    assert cast.log_types()[-1] == "retention.destroyed"
    assert destroyed.log_index == cast.services.ledger.size() - 1
    # The record stays: the registry row, the consent and the use.
    assert cast.services.registry.get_performer(cast.ada).legal_name == "Ada"
    assert cast.services.consents.get(consent).id == consent
    assert len(cast.services.uses.recent(performer_id=cast.ada, limit=10)) == 1
    assert cast.services.ledger.audit().ok


def test_on_the_deadline_itself_the_data_is_destroyed(cast: Cast, clock: FixedClock) -> None:
    move_to(clock, at(DEADLINE, hour=0))
    assert [s.holding.performer_id for s in cast.services.retention.run().destroyed] == [cast.ada]


def test_the_warning_window_opens_thirty_days_ahead(cast: Cast, clock: FixedClock) -> None:
    move_to(clock, at(date(2028, 12, 5), hour=23))  # 31 days before 2029-01-05
    assert cast.services.retention.run().warned == ()
    move_to(clock, at(date(2028, 12, 6)))  # 30 days before
    assert [s.holding.performer_id for s in cast.services.retention.run().warned] == [cast.ada]


# -- what counts as an interaction ----------------------------------------------------


INTERACT: dict[InteractionKind, Callable[[Cast], object]] = {
    InteractionKind.ENROLMENT: lambda c: c.services.enrolment.enrol(c.ada, [c.photo]),
    InteractionKind.CONSENT: lambda c: c.answer_consent(),
    InteractionKind.USE: lambda c: c.report_use(),
    InteractionKind.SIGN_IN: lambda c: c.sign_in(),
}


@pytest.mark.parametrize("kind", list(InteractionKind))
def test_each_interaction_pushes_the_deadline(
    cast: Cast, clock: FixedClock, kind: InteractionKind
) -> None:
    later = datetime(2027, 3, 1, 12, tzinfo=UTC)  # a year on: the deadline is 2030-03-01
    move_to(clock, later)
    INTERACT[kind](cast)
    move_to(clock, at(date(2029, 1, 6)))  # past the first deadline
    assert cast.services.retention.run().destroyed == ()
    assert cast.templates() >= 2
    move_to(clock, at(date(2030, 2, 28)))
    [holding] = [s.holding for s in cast.services.retention.run(dry_run=True).warned]
    assert (holding.destroy_on, holding.last_interaction.kind) == (date(2030, 3, 1), kind)
    assert holding.last_interaction.at == later
    move_to(clock, at(date(2030, 3, 2)))
    assert [s.holding.performer_id for s in cast.services.retention.run().destroyed] == [cast.ada]


@pytest.mark.parametrize(
    "stranger_act",
    [
        pytest.param(lambda c: c.request_consent(), id="a production's request"),
        pytest.param(lambda c: c.report_use(scene="31"), id="a use no consent covers"),
    ],
)
def test_what_a_production_does_alone_does_not_keep_the_data(
    cast: Cast, clock: FixedClock, stranger_act: Callable[[Cast], object]
) -> None:
    """Anyone may ask a performer for consent or report a use naming them: were these
    interactions, a stranger could keep a performer's biometrics for ever."""
    move_to(clock, at(date(2028, 6, 1)))
    stranger_act(cast)
    move_to(clock, at(date(2029, 1, 6)))
    assert [s.holding.performer_id for s in cast.services.retention.run().destroyed] == [cast.ada]


def test_a_representatives_sign_in_counts(cast: Cast, clock: FixedClock) -> None:
    move_to(clock, at(date(2028, 6, 1)))
    cast.sign_in(Role.REPRESENTATIVE)
    move_to(clock, at(date(2029, 1, 6)))
    assert cast.services.retention.run().destroyed == ()
    assert cast.templates() == 2


def test_a_sign_in_counts_although_its_session_is_gone_before_the_run(
    cast: Cast, clock: FixedClock
) -> None:
    move_to(clock, at(date(2028, 6, 1)))
    cast.sign_in()  # signed out at once: no session row is left
    with cast.services.database.read() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM sessions").scalar_one() == 0
    move_to(clock, at(date(2029, 1, 6)))
    assert cast.services.retention.run().destroyed == ()


def test_a_re_embedding_is_not_an_interaction(cast: Cast, clock: FixedClock) -> None:
    """Templates a new model version makes from the vault are not the performer's act."""
    with cast.services.database.write() as connection:  # as if made by `likeness reindex`
        connection.execute(
            text(
                "INSERT INTO templates (id, performer_id, modality, model_id, source_sha256, "
                "created_at) SELECT 'RE' || substr(id, 3), performer_id, modality, 'face@2', "
                "source_sha256, :made FROM templates WHERE performer_id = :p"
            ),
            {"p": cast.ada, "made": datetime(2028, 6, 1, tzinfo=UTC)},
        )
    move_to(clock, at(date(2029, 1, 6)))
    [destroyed] = cast.services.retention.run().destroyed
    assert destroyed.holding.last_interaction.at == START
    assert cast.templates() == 0


# -- idempotence, dry runs, re-enrolment ----------------------------------------------


def test_running_twice_warns_once_and_destroys_once(cast: Cast, clock: FixedClock) -> None:
    move_to(clock, at(date(2028, 12, 20)))
    assert len(cast.services.retention.run().warned) == 1
    size = cast.services.ledger.size()
    again = cast.services.retention.run()
    assert (again.warned, again.destroyed) == ((), ())
    assert cast.services.ledger.size() == size
    move_to(clock, at(date(2029, 1, 6)))
    assert len(cast.services.retention.run().destroyed) == 1
    size = cast.services.ledger.size()
    again = cast.services.retention.run()
    assert (again.held, again.warned, again.destroyed) == (0, (), ())
    assert cast.services.ledger.size() == size
    assert cast.log_types().count("retention.warned") == 1
    assert cast.log_types().count("retention.destroyed") == 1


def test_a_new_deadline_is_warned_again(cast: Cast, clock: FixedClock) -> None:
    move_to(clock, at(date(2028, 12, 20)))
    assert len(cast.services.retention.run().warned) == 1
    cast.report_use()  # 2028-12-20: the deadline moves to 2031-12-20
    move_to(clock, at(date(2031, 11, 25)))
    [warned] = cast.services.retention.run().warned
    assert warned.holding.destroy_on == date(2031, 12, 20)
    assert cast.log_types().count("retention.warned") == 2


def test_a_dry_run_lists_and_changes_nothing(cast: Cast, clock: FixedClock) -> None:
    move_to(clock, at(date(2029, 1, 6)))
    size = cast.services.ledger.size()
    report = cast.services.retention.run(dry_run=True)
    assert report.dry_run and report.held == 1
    assert [(s.holding.performer_id, s.log_index) for s in report.destroyed] == [(cast.ada, None)]
    assert_biometrics_kept(cast)
    assert cast.services.ledger.size() == size


def test_the_performer_may_enrol_again_after_destruction(
    cast: Cast, clock: FixedClock, tmp_path: Path
) -> None:
    move_to(clock, at(date(2029, 1, 6)))
    cast.services.retention.run()
    assert not cast.face_found()
    cast.services.enrolment.enrol(cast.ada, [face_image(tmp_path / "again.png", [Block(RED)])])
    assert cast.face_found()
    assert cast.services.retention.run().destroyed == ()  # a fresh enrolment, a fresh term


def test_others_are_untouched(cast: Cast, clock: FixedClock, tmp_path: Path) -> None:
    move_to(clock, at(date(2027, 6, 1)))
    cast.services.enrolment.enrol(cast.bo, [face_image(tmp_path / "bo.png", [Block(GREEN)])])
    move_to(clock, at(date(2029, 1, 6)))
    assert [s.holding.performer_id for s in cast.services.retention.run().destroyed] == [cast.ada]
    faces = cast.services.gallery.identify(face_image(tmp_path / "bo2.png", [Block(GREEN)])).faces
    assert [f.performer_id for f in faces] == [cast.bo]


# -- the log ------------------------------------------------------------------------------


def test_the_destruction_entry_commits_to_its_record_and_shows_none_of_it(
    cast: Cast, clock: FixedClock
) -> None:
    move_to(clock, at(date(2029, 1, 6)))
    [destroyed] = cast.services.retention.run().destroyed
    assert destroyed.log_index is not None
    raw = cast.services.ledger.receipt(destroyed.log_index).entry
    entry = decode_entry(raw)
    assert entry["type"] == "retention.destroyed"
    assert entry["ids"] == {"performer": cast.ada}
    assert b"2029-01-05" not in raw and b"2026-01-05" not in raw  # dates committed, not shown
    with cast.services.database.read() as connection:
        salt = SaltRepository(connection).get(f"performer:{cast.ada}", personal(cast.ada))
    assert salt is not None
    commitments = entry["commitments"]
    assert isinstance(commitments, dict)
    assert commitments["destroy_on"] == commitment(salt, "destroy_on", "2029-01-05")
    assert commitments["last_interaction"] == commitment(
        salt, "last_interaction", {"kind": "enrolment", "at": "2026-01-05T09:00:00+00:00"}
    )


def test_erasing_a_performer_with_a_retention_mark_still_works(
    cast: Cast, clock: FixedClock
) -> None:
    move_to(clock, at(date(2028, 12, 20)))
    cast.services.retention.run()  # a warning: Ada has a mark now
    cast.services.registry.erase_performer(cast.ada)
    with cast.services.database.read() as connection:
        marks = connection.exec_driver_sql("SELECT count(*) FROM retention_marks").scalar_one()
    assert marks == 0
    assert cast.services.retention.run().held == 0
    assert cast.services.ledger.audit().ok


# -- the policy ------------------------------------------------------------------------


def test_a_schedule_longer_than_the_statute_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="LIKENESS_RETENTION_YEARS"):
        load_settings(home=tmp_path, retention_years=4)
    with pytest.raises(ConfigurationError, match="15\\(a\\)"):
        RetentionPolicy(years=4)


def test_a_shorter_schedule_from_the_settings(tmp_path: Path, clock: FixedClock) -> None:
    settings = load_settings(home=tmp_path / "home", retention_years=1, retention_warning_days=0)
    initialise(settings, clock=clock)
    services = build_services(settings, clock=clock, encoders=fake_encoders())
    cast = Cast(services, tmp_path)
    move_to(clock, at(date(2027, 1, 4)))
    report = services.retention.run()
    assert (report.warned, report.destroyed) == ((), ())  # no warning window at all
    move_to(clock, at(date(2027, 1, 5)))
    assert [s.holding.performer_id for s in services.retention.run().destroyed] == [cast.ada]
    services.close()


def test_the_scheduler_runs_at_start_and_keeps_going_after_a_failure() -> None:
    calls: list[str] = []
    two = threading.Event()

    def run() -> RetentionReport:
        calls.append("run")
        if len(calls) >= 2:
            two.set()
        raise LikenessError("the database is locked")

    errors: list[BaseException] = []
    scheduler = RetentionScheduler(run, interval=timedelta(milliseconds=10), on_error=errors.append)
    scheduler.start()
    assert two.wait(5)
    scheduler.stop()
    assert len(errors) >= 2 and "locked" in str(errors[0])


# -- the CLI, with `log audit` after ----------------------------------------------------


def test_the_cli_runs_the_schedule_and_the_log_audits_green(
    cast: Cast, clock: FixedClock, settings: Settings
) -> None:
    home = ["--home", str(settings.home)]
    move_to(clock, at(date(2029, 1, 6)))
    dry = runner.invoke(app, [*home, "retention", "run", "--dry-run"], obj=fake_cli(clock))
    assert dry.exit_code == 0, dry.output
    assert "1 would be destroyed" in dry.stdout and cast.ada in dry.stdout
    assert cast.templates() == 2
    result = runner.invoke(app, [*home, "retention", "run", "--json"], obj=fake_cli(clock))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["dry_run"] is False and data["held"] == 1 and data["warned"] == []
    assert data["policy"] == {"years": 3, "warning_days": 30, "rule": "740 ILCS 14/15 (BIPA) 15(a)"}
    [destroyed] = data["destroyed"]
    assert destroyed["performer_id"] == cast.ada
    assert destroyed["destroy_on"] == "2029-01-05"
    assert destroyed["last_interaction"] == {"kind": "enrolment", "at": "2026-01-05T09:00:00+00:00"}
    assert destroyed["templates"] == 2 and destroyed["action"] == "destroy"
    assert isinstance(destroyed["log_index"], int)
    assert cast.templates() == 0
    audit = runner.invoke(app, [*home, "log", "audit", "--json"], obj=fake_cli(clock))
    assert audit.exit_code == 0, audit.output
    assert json.loads(audit.stdout)["ok"] is True
    again = runner.invoke(app, [*home, "retention", "run"], obj=fake_cli(clock))
    assert again.exit_code == 0 and "nothing is due" in again.stdout


# -- the portal ------------------------------------------------------------------------


@pytest.fixture
def portal(tmp_path: Path, clock: FixedClock) -> Iterator[tuple[Services, TestClient, str]]:
    settings = load_settings(home=tmp_path / "home", retention_years=2, retention_warning_days=14)
    initialise(settings, clock=clock)
    services = build_services(settings, clock=clock, encoders=fake_encoders())
    world = build_world(services)
    services.enrolment.enrol(world.performer, [face_image(tmp_path / "a.png", [Block(RED)])])
    https = TestClient(  # production by default: cookies are Secure
        create_app(services, deliver_webhooks=False),
        base_url="https://testserver",
        follow_redirects=False,
    )
    yield services, https, world.performer
    services.close()


def test_the_schedule_is_public_and_shows_the_configured_terms(
    portal: tuple[Services, TestClient, str],
) -> None:
    _, http, _ = portal
    page = http.get("/retention")
    assert page.status_code == 200
    text = " ".join(page.text.split())
    assert "<strong>2 years after their last interaction</strong>" in text
    assert "<strong>14 days</strong> before" in text
    assert "740 ILCS 14/15 (BIPA) 15(a)" in text
    assert "a sign-in to this portal by their own account or their representative" in text
    assert "3 years" not in text
    assert 'href="/retention"' in http.get("/login").text  # linked from every page


def test_the_dashboard_says_until_when_and_then_that_it_was_destroyed(
    portal: tuple[Services, TestClient, str], clock: FixedClock
) -> None:
    services, http, _ = portal
    move_to(clock, at(date(2026, 6, 1)))

    def dashboard() -> str:
        form = http.get("/login").text
        token = form.split('name="csrf_token" value="')[1].split('"')[0]
        answer = http.post(
            "/login", data={"username": "performer", "password": PASSWORD, "csrf_token": token}
        )
        assert answer.status_code == 303, answer.text
        return " ".join(http.get("/portal").text.split())

    text = dashboard()
    # The sign-in that opened this page is the last interaction: 2026-06-01 + 2 years.
    assert "kept, sealed, until <strong>2028-06-01</strong>" in text
    assert "(a sign-in on 2026-06-01)" in text
    move_to(clock, at(date(2028, 6, 2)))
    [destroyed] = services.retention.run().destroyed
    assert destroyed.holding.last_interaction.kind is InteractionKind.SIGN_IN
    text = dashboard()
    assert "Your biometric data was destroyed on 2028-06-02" in text


def test_the_dashboard_notices_a_warning_and_its_renewal(
    portal: tuple[Services, TestClient, str], clock: FixedClock
) -> None:
    services, http, performer = portal
    move_to(clock, at(date(2027, 12, 25)))  # the world was made on 2026-01-05: due 2028-01-05
    [warned] = services.retention.run().warned
    assert warned.holding.performer_id == performer
    assert warned.holding.action is RetentionAction.WARN
    form = http.get("/login").text
    token = form.split('name="csrf_token" value="')[1].split('"')[0]
    http.post("/login", data={"username": "performer", "password": PASSWORD, "csrf_token": token})
    text = " ".join(http.get("/portal").text.split())
    assert "You were told it would be destroyed on 2028-01-05" in text
    assert "it is now kept until 2029-12-25" in text


# -- likeness serve -------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.server
def test_serve_applies_the_schedule_at_start(settings: Settings, tmp_path: Path) -> None:
    """A real ``likeness serve`` (system clock) over a home whose only performer enrolled
    on 2021-01-05: their data is past 2024-01-05 and goes as the server starts."""
    old = FixedClock(datetime(2021, 1, 5, 9, tzinfo=UTC))
    initialise(settings, clock=old)
    services = build_services(settings, clock=old, encoders=fake_encoders())
    cast = Cast(services, tmp_path)
    assert cast.templates() == 2
    services.close()
    with running_server(settings.home):
        deadline = time.monotonic() + 20
        while cast.templates() and time.monotonic() < deadline:
            time.sleep(0.05)
    assert cast.templates() == 0
    assert not (settings.home / "vault" / cast.ada).exists()
    services = build_services(settings, clock=old, encoders=fake_encoders())
    cast.services = services
    assert cast.log_types()[-1] == "retention.destroyed"
    assert services.ledger.audit().ok
    services.close()
