"""A cast for scan tests: two performers, a film, and a consent for the first one's face
in that film (the second has none)."""

from __future__ import annotations

from datetime import date

from likeness.bootstrap import Services
from likeness.domain.consent import Grantor, Modality, ReplicaKind, UseDescription
from likeness.domain.lifecycle import ConsentRequest
from likeness.domain.production import Agreement, ProductionKind
from likeness.services.inputs import PerformerInput, ProductionInput


def cast_with_consent(services: Services, consented: str, other: str) -> dict[str, str]:
    """Ids by role: ``consented``, ``other`` (performers, named so) and ``film``."""
    ids = {
        role: services.registry.add_performer(
            PerformerInput(legal_name=role.title(), date_of_birth=date(1975, 1, 1))
        ).value.id
        for role in (consented, other)
    }
    ids["film"] = services.registry.add_production(
        ProductionInput(
            title="Clip",
            company="Acme",
            kind=ProductionKind.STREAMING,
            agreement=Agreement.SAG_AFTRA_TV_THEATRICAL,
            start_date=date(2025, 1, 1),
        )
    ).value.id
    consent = services.consents.request(
        ids[consented],
        ids["film"],
        ConsentRequest(
            replica_kind=ReplicaKind.EMPLOYMENT_BASED,
            modalities=frozenset({Modality.FACE}),
            description=UseDescription(
                project="Clip",
                purposes=("appear in the trailer",),
                character="Themselves",
                scenes=("1",),
                media=("streaming",),
                territory="worldwide",
            ),
            valid_from=date(2025, 12, 1),
            valid_until=date(2027, 1, 1),
        ),
    ).value
    services.consents.grant(
        consent.id, by=Grantor.PERFORMER, signed_separately=True, clear_and_conspicuous=True
    )
    return ids
