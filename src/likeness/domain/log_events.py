"""The kinds of event the transparency log records, and those webhooks may carry.

One list, shared by the event catalogue (``services/events.py``, which builds each
kind), webhook subscriptions and their deliveries.
"""

from __future__ import annotations

from enum import StrEnum

from likeness.domain.lifecycle import ConsentEvent


class LogEventType(StrEnum):
    PERFORMER_ADDED = "performer.added"
    PERFORMER_UPDATED = "performer.updated"
    PERFORMER_IMPORTED = "performer.imported"
    PERFORMER_ERASED = "performer.erased"
    PRODUCTION_ADDED = "production.added"
    CONSENT_REQUESTED = "consent.requested"
    CONSENT_GRANTED = "consent.granted"
    CONSENT_DENIED = "consent.denied"
    CONSENT_REVOKED = "consent.revoked"
    CONSENT_SUSPENDED = "consent.suspended"
    CONSENT_RESUMED = "consent.resumed"
    USE_REPORTED = "use.reported"
    CHECK_PERFORMED = "check.performed"
    APPEARANCE_FLAGGED = "appearance.flagged"
    SCAN_CLEARED = "scan.cleared"
    CREDENTIAL_ISSUED = "credential.issued"
    ENROLMENT_ADDED = "enrolment.added"
    ENROLMENT_REMOVED = "enrolment.removed"
    MATCH_REJECTED = "match.rejected"
    CALIBRATION_ACTIVATED = "calibration.activated"
    RETENTION_WARNED = "retention.warned"
    RETENTION_DESTROYED = "retention.destroyed"
    WITNESS_ADDED = "witness.added"
    WITNESS_REMOVED = "witness.removed"
    TAKEDOWN_DRAFTED = "takedown.drafted"
    TAKEDOWN_SENT = "takedown.sent"
    TAKEDOWN_ACKNOWLEDGED = "takedown.acknowledged"
    TAKEDOWN_REMOVED = "takedown.removed"
    TAKEDOWN_REFUSED = "takedown.refused"
    TAKEDOWN_REINSTATED = "takedown.reinstated"

    @staticmethod
    def of_consent(event: ConsentEvent) -> LogEventType:
        """The log event recording a step of a consent's lifecycle."""
        return LogEventType(f"consent.{event.type.value}")


# What subscribers may hear about (webhooks), in the order they are offered.
WEBHOOK_EVENTS: tuple[LogEventType, ...] = (
    LogEventType.CONSENT_REQUESTED,
    LogEventType.CONSENT_GRANTED,
    LogEventType.CONSENT_DENIED,
    LogEventType.CONSENT_REVOKED,
    LogEventType.CONSENT_SUSPENDED,
    LogEventType.CONSENT_RESUMED,
    LogEventType.USE_REPORTED,
    LogEventType.APPEARANCE_FLAGGED,
    LogEventType.TAKEDOWN_DRAFTED,
    LogEventType.TAKEDOWN_SENT,
    LogEventType.TAKEDOWN_ACKNOWLEDGED,
    LogEventType.TAKEDOWN_REMOVED,
    LogEventType.TAKEDOWN_REFUSED,
    LogEventType.TAKEDOWN_REINSTATED,
)
