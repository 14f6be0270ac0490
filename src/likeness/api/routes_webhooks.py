"""``/v1/webhooks``: subscribe to events, read the delivery log, unsubscribe."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from likeness.api.deps import Caller, JsonBody, ServicesDep
from likeness.api.errors import ERROR_RESPONSES
from likeness.api.present import delivery_json, webhook_json
from likeness.api.schemas import DeliveryOut, NewWebhookOut, WebhookIn, WebhookOut
from likeness.domain.account import Role
from likeness.services.access import require_role

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], responses=ERROR_RESPONSES)
SUBSCRIBERS = (Role.PERFORMER, Role.REPRESENTATIVE, Role.PRODUCTION)


@router.post("", response_model=NewWebhookOut, status_code=201, dependencies=[JsonBody])
def subscribe(body: WebhookIn, caller: Caller, services: ServicesDep) -> dict[str, Any]:
    """Deliveries are POSTed as JSON, signed with HMAC-SHA-256 (Standard Webhooks headers);
    the ``secret`` to verify them is in this answer only."""
    require_role(caller, *SUBSCRIBERS)
    new = services.webhooks.subscribe(caller, body.url, body.events)
    return {**webhook_json(new.webhook), "secret": new.secret}


@router.get("", response_model=list[WebhookOut])
def list_webhooks(caller: Caller, services: ServicesDep) -> list[dict[str, Any]]:
    require_role(caller, *SUBSCRIBERS)
    return [webhook_json(h) for h in services.webhooks.webhooks(caller)]


@router.delete("/{webhook_id}", response_model=WebhookOut)
def unsubscribe(webhook_id: str, caller: Caller, services: ServicesDep) -> dict[str, Any]:
    require_role(caller, *SUBSCRIBERS)
    return webhook_json(services.webhooks.disable(caller, webhook_id))


@router.get("/{webhook_id}/deliveries", response_model=list[DeliveryOut])
def deliveries(webhook_id: str, caller: Caller, services: ServicesDep) -> list[dict[str, Any]]:
    """The delivery log: every attempt's outcome, newest first."""
    require_role(caller, *SUBSCRIBERS)
    return [delivery_json(d) for d in services.webhooks.deliveries(caller, webhook_id)]
