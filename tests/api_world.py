"""A small world for API tests: two performers, two productions, an account of every role,
consents and a use, built through the services (no HTTP), plus a client per role."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from likeness.api.app import create_app
from likeness.bootstrap import Services
from likeness.domain.account import Role
from likeness.domain.consent import (
    Grantor,
    Modality,
    ReplicaKind,
    UseDescription,
    UseFacts,
)
from likeness.domain.lifecycle import ConsentRequest
from likeness.domain.performer import Representative, RepresentativeCapacity
from likeness.domain.production import Agreement, ProductionKind
from likeness.domain.scan import ScanOptions, ScanReport
from likeness.domain.scan_job import ScanJobStatus
from likeness.domain.use import UseReport
from likeness.services.inputs import PerformerInput, ProductionInput
from likeness.store.scan_jobs import ScanJobRepository, ScanJobRow

PASSWORD = "correct horse battery"
ROLES = ("performer", "representative", "production", "platform", "auditor", "admin")
OTHERS = ("performer_other", "production_other")

PURPOSE = "deliver the closing speech in the town hall scene"


def consent_request(start: date) -> ConsentRequest:
    return ConsentRequest(
        replica_kind=ReplicaKind.EMPLOYMENT_BASED,
        modalities=frozenset({Modality.FACE}),
        description=UseDescription(
            project="The Long Night",
            purposes=(PURPOSE,),
            scenes=("scene 41",),
            media=("theatrical release",),
            territory="worldwide",
        ),
        valid_from=start,
        valid_until=start + timedelta(days=365),
    )


def use_body(production_id: str, day: date) -> dict[str, Any]:
    return {
        "production_id": production_id,
        "replica_kind": "employment_based",
        "modalities": ["face"],
        "purpose": PURPOSE,
        "date": day.isoformat(),
        "scenes": ["scene 41"],
    }


@dataclass
class World:
    services: Services
    performer: str = ""
    performer_other: str = ""
    production: str = ""
    production_other: str = ""
    consent: str = ""  # performer's consent for production, granted
    requested: str = ""  # performer's consent for production, still requested
    consent_other: str = ""  # performer_other's consent with production_other
    use: str = ""
    job: str = ""
    accounts: dict[str, str] = field(default_factory=dict)  # role -> account id
    tokens: dict[str, str] = field(default_factory=dict)  # role -> API key
    usernames: dict[str, str] = field(default_factory=dict)  # role -> login

    @property
    def today(self) -> date:
        return self.services.clock.now().date()


def build_world(services: Services) -> World:
    world = World(services)
    today = services.clock.now().date()
    registry = services.registry
    world.performer = registry.add_performer(
        PerformerInput(
            legal_name="Ada Lovelace",
            date_of_birth=date(1990, 1, 1),
            representatives=(Representative("Rex Agent", RepresentativeCapacity.AGENT),),
        )
    ).value.id
    world.performer_other = registry.add_performer(
        PerformerInput(legal_name="Bo Other", date_of_birth=date(1985, 6, 1))
    ).value.id

    def production(title: str) -> str:
        return registry.add_production(
            ProductionInput(
                title=title,
                company="Northlight",
                kind=ProductionKind.THEATRICAL,
                agreement=Agreement.SAG_AFTRA_TV_THEATRICAL,
                start_date=today - timedelta(days=10),
                jurisdiction="US-CA",
            )
        ).value.id

    world.production = production("The Long Night")
    world.production_other = production("Other Film")
    ties: dict[str, dict[str, str]] = {
        "performer": {"performer_id": world.performer},
        "representative": {"performer_id": world.performer},
        "production": {"production_id": world.production},
        "performer_other": {"performer_id": world.performer_other},
        "production_other": {"production_id": world.production_other},
    }
    names = {"representative": "Rex Agent"}
    for key in (*ROLES, *OTHERS):
        role = Role(key.removesuffix("_other"))
        account = services.accounts.add_account(names.get(key, key), role, **ties.get(key, {}))
        world.accounts[key] = account.id
        world.tokens[key] = services.accounts.create_api_key(account.id, "test").token
        username = key.replace("_", "-")
        services.logins.set_password(account.id, username, PASSWORD)
        world.usernames[key] = username
    consents = services.consents
    start = today - timedelta(days=1)
    world.consent = consents.request(
        world.performer, world.production, consent_request(start)
    ).value.id
    consents.grant(
        world.consent, by=Grantor.PERFORMER, signed_separately=True, clear_and_conspicuous=True
    )
    world.requested = consents.request(
        world.performer, world.production, consent_request(start)
    ).value.id
    world.consent_other = consents.request(
        world.performer_other, world.production_other, consent_request(start)
    ).value.id
    use = UseFacts(
        production_id=world.production,
        replica_kind=ReplicaKind.EMPLOYMENT_BASED,
        modalities=frozenset({Modality.FACE}),
        purpose=PURPOSE,
        date=today,
        scenes=("scene 41",),
    )
    world.use = services.uses.report(UseReport(world.performer, use)).value.id
    world.job = services.ids.new()
    report = ScanReport(world.production, ()).to_json()
    with services.database.write() as connection:  # a finished job, without running a scan
        ScanJobRepository(connection).add(
            ScanJobRow(
                id=world.job,
                account_id=world.accounts["production"],
                production_id=world.production,
                status=ScanJobStatus.DONE,
                options=json.dumps(ScanOptions(world.production).to_json()),
                media=("clip.mp4",),
                report=json.dumps(report),  # in clear, as before issue 12 (still read)
                shows=(),
                error=None,
                created_at=services.clock.now(),
                finished_at=services.clock.now(),
            )
        )
    return world


def client(services: Services, *, deliver_webhooks: bool = False) -> TestClient:
    app = create_app(services, deliver_webhooks=deliver_webhooks)
    return TestClient(app, follow_redirects=False)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
