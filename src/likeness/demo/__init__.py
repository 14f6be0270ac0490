"""Demo data for ``likeness serve --demo``: a working portal from a fresh machine.

Seeds performers (two enrolled from packaged real photos), a production, portal logins
for every role, consents in each state, a reported use and a clearance scan. Seeding
is idempotent: a home that already holds the demo is left as it is. The home is marked
as a demo home (``home.json``), which ``serve`` refuses outside development.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path

from likeness.bootstrap import Services, initialise, is_initialised
from likeness.domain.account import Account, Role
from likeness.domain.consent import (
    CompensationBasis,
    CompensationTerms,
    Grantor,
    Modality,
    ReplicaKind,
    UseDescription,
    UseFacts,
)
from likeness.domain.lifecycle import ConsentRequest
from likeness.domain.performer import Representative, RepresentativeCapacity
from likeness.domain.production import Agreement, ProductionKind
from likeness.domain.scan import ScanOptions
from likeness.domain.use import UseReport
from likeness.errors import ConfigurationError, LikenessError
from likeness.services.inputs import PerformerInput, ProductionInput
from likeness.settings import Environment, Settings

DEMO_PASSWORD = "demo-password"  # noqa: S105 - printed on purpose: development only
DEMO_UNION = "SAG-AFTRA"
MARKER_MEMBER = "DEMO-0001"
SCAN_WAIT_SECONDS = 300


@dataclass
class Seeded:
    logins: dict[str, str] = field(default_factory=dict)  # username -> role
    api_keys: dict[str, str] = field(default_factory=dict)  # username -> token
    performers: dict[str, str] = field(default_factory=dict)  # name -> id
    production_id: str = ""
    notes: list[str] = field(default_factory=list)
    already: bool = False

    def describe(self, url: str) -> str:
        if self.already:
            return (
                f"demo data already present; portal at {url}/ "
                f"(users as before, password {DEMO_PASSWORD!r})"
            )
        lines = [f"demo data seeded; portal at {url}/ — log in with password {DEMO_PASSWORD!r} as:"]
        lines += [f"  {user:<14} ({role})" for user, role in self.logins.items()]
        lines += [f"API key for {user}: {token}" for user, token in self.api_keys.items()]
        lines += [f"performer {name}: {pid}" for name, pid in self.performers.items()]
        lines += [f"production: {self.production_id}", *self.notes]
        return "\n".join(lines)


def prepare_demo_home(settings: Settings) -> None:
    if settings.environment is Environment.PRODUCTION:
        raise ConfigurationError("--demo seeds well-known passwords; refused in production")
    if not is_initialised(settings):
        initialise(settings)


def _photo(name: str) -> Path:
    return Path(str(resources.files("likeness.demo") / "photos" / name))


def seed_demo(services: Services) -> Seeded:
    # Marked first: a home that may hold the demo's well-known passwords is refused by
    # 'serve' outside development, even if seeding stops half-way.
    services.layout.mark_demo()
    seeded = Seeded()
    if any(p.member_number == MARKER_MEMBER for p in services.registry.list_performers()):
        seeded.already = True
        return seeded
    today = services.clock.now().date()
    registry = services.registry
    obama = registry.add_performer(
        PerformerInput(
            legal_name="Barack Obama",
            date_of_birth=date(1961, 8, 4),
            union=DEMO_UNION,
            member_number=MARKER_MEMBER,
            domicile="US-IL",
            representatives=(Representative("Ada Agent", RepresentativeCapacity.AGENT),),
        )
    ).value
    biden = registry.add_performer(
        PerformerInput(
            legal_name="Joe Biden",
            date_of_birth=date(1942, 11, 20),
            union=DEMO_UNION,
            member_number="DEMO-0002",
            domicile="US-DE",
        )
    ).value
    mara = registry.add_performer(
        PerformerInput(
            legal_name="Mara Quinn",
            date_of_birth=date(1990, 5, 1),
            union=DEMO_UNION,
            member_number="DEMO-0003",
            domicile="US-CA",
        )
    ).value
    seeded.performers = {"Barack Obama": obama.id, "Joe Biden": biden.id, "Mara Quinn": mara.id}
    production = registry.add_production(
        ProductionInput(
            title="The Long Night",
            company="Northlight Pictures",
            kind=ProductionKind.THEATRICAL,
            agreement=Agreement.SAG_AFTRA_TV_THEATRICAL,
            start_date=today - timedelta(days=30),
            jurisdiction="US-CA",
        )
    ).value
    seeded.production_id = production.id

    def login(
        name: str,
        username: str,
        role: Role,
        performer_id: str | None = None,
        production_id: str | None = None,
    ) -> Account:
        account = services.accounts.add_account(
            name,
            role,
            performer_id=performer_id,
            production_id=production_id,
            login=services.logins.new_login(username, DEMO_PASSWORD),
        )
        seeded.logins[username] = role.value
        return account

    login("Barack Obama", "obama", Role.PERFORMER, performer_id=obama.id)
    login("Ada Agent", "ada-agent", Role.REPRESENTATIVE, performer_id=obama.id)
    login("Joe Biden", "biden", Role.PERFORMER, performer_id=biden.id)
    login("Mara Quinn", "mara", Role.PERFORMER, performer_id=mara.id)
    producer = login(
        "Northlight Pictures", "northlight", Role.PRODUCTION, production_id=production.id
    )
    login("Audit Office", "auditor", Role.AUDITOR)
    login("Administrator", "admin", Role.ADMIN)
    platform = services.accounts.add_account("GenStudio AI", Role.PLATFORM)
    seeded.api_keys["platform"] = services.accounts.create_api_key(platform.id, "demo").token
    seeded.api_keys["northlight"] = services.accounts.create_api_key(producer.id, "demo").token

    def ask(performer_id: str, purpose: str, scenes: tuple[str, ...]) -> str:
        request = ConsentRequest(
            replica_kind=ReplicaKind.EMPLOYMENT_BASED,
            modalities=frozenset({Modality.FACE, Modality.VOICE}),
            description=UseDescription(
                project="The Long Night",
                purposes=(purpose,),
                scenes=scenes,
                media=("theatrical release", "streaming"),
                territory="worldwide",
            ),
            valid_from=today - timedelta(days=7),
            valid_until=today + timedelta(days=365),
            compensation=CompensationTerms(CompensationBasis.FLAT, Decimal("5000.00"), "USD"),
        )
        return services.consents.request(performer_id, production.id, request).value.id

    granted = ask(obama.id, "deliver the closing speech as the President", ("scene 41",))
    services.consents.grant(
        granted, by=Grantor.PERFORMER, signed_separately=True, clear_and_conspicuous=True
    )
    ask(biden.id, "appear in the crowd at the inauguration", ("scene 12",))
    services.uses.report(
        UseReport(
            performer_id=obama.id,
            use=UseFacts(
                production_id=production.id,
                replica_kind=ReplicaKind.EMPLOYMENT_BASED,
                modalities=frozenset({Modality.FACE, Modality.VOICE}),
                purpose="deliver the closing speech as the President",
                date=today,
                scenes=("scene 41",),
            ),
            consent_id=granted,
        )
    )
    _enrol_and_scan(services, seeded, producer, {"obama": obama.id, "biden": biden.id})
    return seeded


def _enrol_and_scan(
    services: Services, seeded: Seeded, producer: Account, ids: dict[str, str]
) -> None:
    """Enrol two faces and scan two photos; skipped, with a note, without the face extra."""
    try:
        services.enrolment.enrol(ids["obama"], [_photo("obama.jpg")])
        services.enrolment.enrol(ids["biden"], [_photo("biden.jpg")])
    except LikenessError as exc:
        seeded.notes.append(f"no enrolment or scan in the demo: {exc.diagnostics()}")
        return
    jobs = services.scan_jobs
    staged = jobs.stage()
    for name in ("obama2.jpg", "biden.jpg"):
        with staged.upload(name) as out:
            out.write(_photo(name).read_bytes())
    job_id = jobs.submit(producer, staged, ScanOptions(production_id=seeded.production_id)).id
    deadline = time.monotonic() + SCAN_WAIT_SECONDS
    while not jobs.get(producer, job_id).status.finished:
        if time.monotonic() > deadline:
            seeded.notes.append(f"the demo scan {job_id} is still running")
            return
        time.sleep(0.2)
