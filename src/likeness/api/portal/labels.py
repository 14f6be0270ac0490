"""How the portal names people and productions: by name or title, never by a bare id.

An id stays available beside its name (the ``id_chip`` macro in templates/_labels.html:
a copy button), never as the only label. A record erased since (a performer's right to
erasure) is named as such rather than by the id it had.
"""

from __future__ import annotations

from collections.abc import Iterable

from likeness.bootstrap import Services
from likeness.errors import NotFoundError

ERASED_PERFORMER = "an erased performer"
UNKNOWN_PRODUCTION = "a production no longer registered"


def performer_name(services: Services, performer_id: str) -> str:
    """The name a performer works under (professional, else legal)."""
    try:
        person = services.registry.get_performer(performer_id)
    except NotFoundError:
        return ERASED_PERFORMER
    return person.professional_name or person.legal_name


def production_title(services: Services, production_id: str) -> str:
    try:
        return services.registry.get_production(production_id).title
    except NotFoundError:
        return UNKNOWN_PRODUCTION


def performer_names(services: Services, ids: Iterable[str | None]) -> dict[str, str]:
    """Names by id, each looked up once (None, an unknown person, is left out)."""
    return {i: performer_name(services, i) for i in set(ids) if i is not None}


def production_titles(services: Services, ids: Iterable[str | None]) -> dict[str, str]:
    return {i: production_title(services, i) for i in set(ids) if i is not None}
