"""``/v1/accounts/{id}/disable`` and ``/enable``: taking an account out of use at once."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from likeness.api.deps import Caller, ServicesDep
from likeness.api.errors import ERROR_RESPONSES
from likeness.api.present import account_json
from likeness.api.schemas import AccountOut
from likeness.services.access import require_role

router = APIRouter(prefix="/v1", responses=ERROR_RESPONSES)


@router.post("/accounts/{account_id}/disable", response_model=AccountOut, tags=["accounts"])
def disable_account(account_id: str, caller: Caller, services: ServicesDep) -> dict[str, Any]:
    """Disable an account: its keys are refused and its portal sessions end at once, and it
    cannot sign in until enabled again."""
    require_role(caller)
    return account_json(services.accounts.set_disabled(account_id, True, by=caller))


@router.post("/accounts/{account_id}/enable", response_model=AccountOut, tags=["accounts"])
def enable_account(account_id: str, caller: Caller, services: ServicesDep) -> dict[str, Any]:
    """Enable a disabled account again (its ended sessions stay ended)."""
    require_role(caller)
    return account_json(services.accounts.set_disabled(account_id, False, by=caller))
