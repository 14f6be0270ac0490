"""ISO/IEC TS 27560 consent receipts in the W3C DPV JSON-LD form, and their offline check.

A receipt (``dpv:ConsentReceipt``) holds one consent record (``dpv:ConsentRecord``)
following the DPVCG's DPV-27560 profile: the performer as the salted commitment the
log holds for them, the production as controller, the purposes, personal data and
processing consented to, and every step of the consent up to the one chosen as a
``dpv:hasConsentStatus``, each with the log receipt of its entry
(``likeness:logReceipt``, a ``likeness-receipt/1`` JSON value). The context is the
packaged ``data/dpv-context.jsonld``, carried inline so that no processor fetches one.
docs/provenance.md describes the format and how outsiders check it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date
from functools import cache
from importlib import resources
from typing import Any

from likeness.domain.consent import Grantor, Modality, ReplicaKind
from likeness.domain.lifecycle import EventType, Stage, next_stage
from likeness.ledger.checkpoint import Checkpoint
from likeness.ledger.entry import decode_entry, timestamp
from likeness.ledger.note import Verifier
from likeness.ledger.receipt import ReceiptError, parse_receipt, verify_receipt
from likeness.services.consent_receipts import PERFORMER_FIELD, ConsentProof, ProvenStep

MEDIA_TYPE = "application/ld+json"
RECORD_SCHEMA = "https://w3id.org/dpv/schema/dpv-27560#record"
RECEIPT_SCHEMA = "https://w3id.org/dpv/schema/dpv-27560#receipt"
PRODUCTION_IRI = "urn:likeness:production:"
CONSENT_IRI = "urn:likeness:consent:"

# The status each step puts the consent in. DPV names no suspension (a strike): it is
# this project's term; a resumed consent is given again.
STATUS_TYPES: dict[EventType, tuple[str, ...]] = {
    EventType.REQUESTED: ("dpv:ConsentRequested",),
    EventType.GRANTED: ("dpv:ConsentGiven",),
    EventType.DENIED: ("dpv:ConsentRefused",),
    # Revocation is always the performer's side (the performer, their representative,
    # guardian or estate, or the union for them): withdrawn, not revoked by another.
    EventType.REVOKED: ("dpv:ConsentWithdrawn",),
    EventType.SUSPENDED: ("likeness:ConsentSuspended",),
    EventType.RESUMED: ("dpv:ConsentGiven", "likeness:ConsentResumed"),
}
_ALL_STATUS_TYPES = frozenset(t for types in STATUS_TYPES.values() for t in types)

GRANTORS: dict[Grantor, str] = {
    Grantor.PERFORMER: "dpv:DataSubject",
    Grantor.PARENT_OR_GUARDIAN: "dpv:GuardianOfDataSubject",
    # dpv:Representative is a legal entity's representative (GDPR Art. 27), not an agent.
    Grantor.REPRESENTATIVE: "likeness:Representative",
    Grantor.ESTATE: "likeness:Estate",
    Grantor.UNION: "likeness:Union",
}

_GRANTOR_TERMS = frozenset(GRANTORS.values())

# Face, voice and body likenesses are biometric: special category personal data.
PERSONAL_DATA: dict[Modality, tuple[str, ...]] = {
    Modality.FACE: ("pd:Biometric", "pd:FacialPrint"),
    Modality.VOICE: ("pd:Biometric",),
    Modality.BODY: ("pd:Biometric", "pd:PhysicalCharacteristic"),
}


class ConsentReceiptError(ValueError):
    """An ISO/IEC TS 27560 receipt is malformed or does not verify."""


@cache
def _context_text() -> str:
    return (resources.files("likeness.api") / "data" / "dpv-context.jsonld").read_text("utf-8")


def packaged_context() -> dict[str, Any]:
    """The ``@context`` value of the packaged context file (a fresh copy)."""
    context: dict[str, Any] = json.loads(_context_text())["@context"]
    return context


# -- rendering ---------------------------------------------------------------------------


def consent_receipt_jsonld(proof: ConsentProof) -> dict[str, Any]:
    # The consent, the step it is proven to and when it was issued: two receipts of one
    # step differ by their checkpoints, so by when they were made.
    issued = proof.issued_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    receipt_id = f"{proof.consent_id}.{proof.steps[-1].receipt.index}.{issued}"
    return {
        "@context": packaged_context(),
        "@id": f"urn:likeness:consent-receipt:{receipt_id}",
        "@type": "dpv:ConsentReceipt",
        "dct:identifier": receipt_id,
        "dct:conformsTo": RECEIPT_SCHEMA,
        "dct:created": timestamp(proof.issued_at),
        "dpv:hasRecordOfActivity": _record(proof),
    }


def _record(proof: ConsentProof) -> dict[str, Any]:
    production = proof.production
    record: dict[str, Any] = {
        "@id": f"{CONSENT_IRI}{proof.consent_id}",
        "@type": "dpv:ConsentRecord",
        "dct:identifier": proof.consent_id,
        "dct:conformsTo": RECORD_SCHEMA,
        "dpv:hasDataSubject": {
            "@id": "_:performer",
            "@type": "dpv:DataSubject",
            "dct:identifier": proof.data_subject,
            "likeness:committedField": PERFORMER_FIELD,
        },
        "dpv:hasDataController": {
            "@id": f"{PRODUCTION_IRI}{production.id}",
            "@type": ["dpv:DataController", "dpv:Organisation"],
            "dpv:hasName": production.company,
            "likeness:productionTitle": production.title,
        },
        "dpv:hasLegalBasis": "dpv:Consent",
        "dpv:hasProcess": _process(proof),
        "dpv:hasConsentStatus": [_status(proof, step) for step in proof.steps],
    }
    if production.jurisdiction is not None:
        record["dpv:hasJurisdiction"] = f"loc:{production.jurisdiction}"
    return record


def _process(proof: ConsentProof) -> dict[str, Any]:
    request = proof.request
    description = request.description
    alteration = request.replica_kind is ReplicaKind.DIGITAL_ALTERATION
    process: dict[str, Any] = {
        "@type": "dpv:Process",
        "likeness:project": description.project,
        "dpv:hasPurpose": [
            {"@type": "dpv:Purpose", "dct:description": purpose} for purpose in description.purposes
        ],
        "dpv:hasPersonalData": [
            {
                "@type": "dpv:SpecialCategoryPersonalData",
                "skos:broader": list(PERSONAL_DATA[modality]),
                "likeness:modality": modality.value,
            }
            for modality in sorted(request.modalities)
        ],
        # A replica is generated from the likeness and used; an alteration alters a
        # recorded performance.
        "dpv:hasProcessing": ["dpv:Alter" if alteration else "dpv:Generate", "dpv:Use"],
        "likeness:replicaKind": request.replica_kind.value,
        "likeness:media": list(description.media),
        "likeness:scenes": list(description.scenes),
        "likeness:validFrom": request.valid_from.isoformat(),
        "dpv:hasDuration": _duration(request.valid_until),
        "likeness:realTimeGeneration": request.real_time_generation,
        "likeness:dubbing": request.dubbing,
        "likeness:nudity": request.nudity,
    }
    if description.character is not None:
        process["likeness:character"] = description.character
    if description.territory is not None:
        process["likeness:territory"] = description.territory
    if proof.territory_codes:
        process["dpv:hasLocation"] = [f"loc:{code}" for code in proof.territory_codes]
    return process


def _duration(until: date | None) -> dict[str, Any]:
    if until is None:  # open-ended: in force until revoked
        return {"@type": "dpv:EndlessDuration"}
    return {"@type": "dpv:UntilTimeDuration", "rdf:value": until.isoformat()}


def _status(proof: ConsentProof, step: ProvenStep) -> dict[str, Any]:
    types = list(STATUS_TYPES[step.type])
    if step.type is EventType.GRANTED:
        # Signed apart from any other agreement: explicit (SAG-AFTRA B2.4 asks for it).
        types.append(
            "dpv:ExplicitlyExpressedConsent" if step.signed_separately else "dpv:ExpressedConsent"
        )
    status: dict[str, Any] = {
        "@type": types,
        "likeness:step": step.seq,
        "dpv:isIndicatedAtTime": timestamp(step.at),
    }
    if step.type is EventType.REQUESTED:
        status["dpv:isIndicatedBy"] = f"{PRODUCTION_IRI}{proof.production.id}"
    elif step.by is not None:
        status["dpv:isIndicatedBy"] = GRANTORS[step.by]
    if step.type is EventType.GRANTED:
        status["likeness:signedSeparately"] = step.signed_separately
        status["likeness:clearAndConspicuous"] = step.clear_and_conspicuous
    status["likeness:logReceipt"] = step.receipt.to_json()
    return status


# -- checking ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedStep:
    index: int
    type: EventType
    at: str


@dataclass(frozen=True)
class CheckedReceipt:
    """What an offline check of a receipt established."""

    consent_id: str
    data_subject: str
    steps: tuple[CheckedStep, ...]
    origin: str
    tree_size: int  # of the largest checkpoint a step was proven against


def check_consent_receipt(text: str | bytes, verifier: Verifier) -> CheckedReceipt:
    """Check a receipt as this module writes it: the packaged context, every step's
    inclusion proof under ``verifier``, each proven entry recording that step of this
    consent at that time for the record's controller, the steps following the consent
    lifecycle from its request, and the data subject being the performer commitment of
    the consent's ``consent.requested`` entry. Raises ``ConsentReceiptError``.

    What the entries hold only as salted commitments (the terms, who granted, denied or
    revoked, the step numbers, the controller's name) cannot be checked without the
    consent's salt: docs/provenance.md, "What it proves, and what it does not"."""
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConsentReceiptError(f"not JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("@type") != "dpv:ConsentReceipt":
        raise ConsentReceiptError("not a consent receipt: '@type' must be dpv:ConsentReceipt")
    # The compact names below mean what DPV says only under our context: a document
    # that redefines a prefix could say anything with the same keys.
    if document.get("@context") != packaged_context():
        raise ConsentReceiptError("its @context is not the packaged DPV context")
    record = document.get("dpv:hasRecordOfActivity")
    if not isinstance(record, dict) or record.get("@type") != "dpv:ConsentRecord":
        raise ConsentReceiptError("it holds no dpv:ConsentRecord")
    consent_id = _text(record, "dct:identifier", "the record")
    if "@id" in record and record["@id"] != f"{CONSENT_IRI}{consent_id}":
        raise ConsentReceiptError(
            f"the record's @id {record['@id']!r} is not consent {consent_id}'s "
            f"({CONSENT_IRI}{consent_id})"
        )
    production_id = _controller(record)
    subject = record.get("dpv:hasDataSubject")
    data_subject = _text(
        subject if isinstance(subject, dict) else {}, "dct:identifier", "the data subject"
    )
    statuses = record.get("dpv:hasConsentStatus")
    if not isinstance(statuses, list) or not statuses:
        raise ConsentReceiptError("the record has no dpv:hasConsentStatus steps")
    steps: list[CheckedStep] = []
    checkpoints: list[Checkpoint] = []
    stage: Stage | None = None
    for position, status in enumerate(statuses, start=1):
        step, checkpoint, entry = _check_step(status, position, consent_id, production_id, verifier)
        if steps and step.index <= steps[-1].index:
            raise ConsentReceiptError(
                f"step {position} is not after step {position - 1} in the log"
            )
        # The entries show each step's type in clear but commit to its number, so the
        # steps are checked to be ones the lifecycle allows in this order: a grant left
        # out before a withdrawal shows. (A suspension left out with its resumption
        # would not: docs/provenance.md says how to check the log for every step.)
        after = next_stage(stage, step.type)
        if after is None:
            raise ConsentReceiptError(
                f"step {position}: log entry {step.index} records the consent "
                f"{step.type.value}, which its lifecycle does not allow when it is "
                f"{stage}: a step before it is missing"
            )
        stage = after
        if status.get("likeness:step") != position:
            raise ConsentReceiptError(
                f"step {position}: its likeness:step is {status.get('likeness:step')!r}: "
                f"a receipt holds every step from the request, numbered from 1"
            )
        if position == 1:
            _check_subject(entry, data_subject)
        steps.append(step)
        checkpoints.append(checkpoint)
    largest = max(checkpoints, key=lambda c: c.size)
    return CheckedReceipt(consent_id, data_subject, tuple(steps), largest.origin, largest.size)


def _controller(record: dict[str, Any]) -> str:
    """The production id the record's ``dpv:hasDataController`` names."""
    controller = record.get("dpv:hasDataController")
    iri = controller.get("@id") if isinstance(controller, dict) else None
    if not isinstance(iri, str) or not iri.startswith(PRODUCTION_IRI):
        raise ConsentReceiptError(
            f"the record's dpv:hasDataController has no @id {PRODUCTION_IRI}<production id>"
        )
    return iri.removeprefix(PRODUCTION_IRI)


def _check_step(
    status: Any, position: int, consent_id: str, production_id: str, verifier: Verifier
) -> tuple[CheckedStep, Checkpoint, dict[str, Any]]:
    where = f"step {position}"
    if not isinstance(status, dict):
        raise ConsentReceiptError(f"{where} is not an object")
    try:
        receipt = parse_receipt(json.dumps(status.get("likeness:logReceipt")))
        checkpoint = verify_receipt(receipt, verifier)
        entry = decode_entry(receipt.entry)
    except (ReceiptError, ValueError) as exc:
        raise ConsentReceiptError(f"{where}: {exc}") from None
    ids = entry.get("ids")
    if not isinstance(ids, dict) or ids.get("consent") != consent_id:
        raise ConsentReceiptError(
            f"{where}: log entry {receipt.index} records another consent, not {consent_id}"
        )
    # Every consent entry names its production in clear: the controller must be it.
    if ids.get("production") != production_id:
        raise ConsentReceiptError(
            f"{where}: the controller {PRODUCTION_IRI}{production_id} is not the "
            f"production log entry {receipt.index} records ({ids.get('production')!r})"
        )
    kind = str(entry.get("type", ""))
    event = _event_type(kind)
    if event is None or (position == 1) != (event is EventType.REQUESTED):
        raise ConsentReceiptError(f"{where}: log entry {receipt.index} is a {kind!r} entry")
    types = status.get("@type")
    stated = {t for t in (types if isinstance(types, list) else [types]) if t in _ALL_STATUS_TYPES}
    if stated != set(STATUS_TYPES[event]):
        raise ConsentReceiptError(
            f"{where}: its status {sorted(stated)} is not what log entry {receipt.index} "
            f"({kind}) records"
        )
    at = status.get("dpv:isIndicatedAtTime")
    if at != entry.get("at"):
        raise ConsentReceiptError(
            f"{where}: time {at!r} is not the time log entry {receipt.index} records "
            f"({entry.get('at')!r})"
        )
    _check_indicated_by(status, where, receipt.index, entry, production_id)
    return CheckedStep(receipt.index, event, str(at)), checkpoint, entry


def _check_indicated_by(
    status: dict[str, Any], where: str, index: int, entry: dict[str, Any], production_id: str
) -> None:
    """Who acted, where the entry lets an outsider check it. A request is the
    production's, named in clear; a grant, denial or revocation commits to who made it
    under the consent's salt, which a receipt does not carry, so only the term's shape
    is checked; a suspension or resumption records nobody."""
    by = status.get("dpv:isIndicatedBy")
    commitments = entry.get("commitments")
    committed = isinstance(commitments, dict) and "by" in commitments
    if entry.get("type") == "consent.requested":
        expected = f"{PRODUCTION_IRI}{production_id}"
        if by is not None and by != expected:
            raise ConsentReceiptError(
                f"{where}: it is indicated by {by!r}, but log entry {index} is a request "
                f"of the production ({expected})"
            )
    elif committed:
        if by is not None and by not in _GRANTOR_TERMS:
            raise ConsentReceiptError(
                f"{where}: dpv:isIndicatedBy {by!r} is none of {sorted(_GRANTOR_TERMS)}"
            )
    elif by is not None:
        raise ConsentReceiptError(
            f"{where}: it is indicated by {by!r}, but log entry {index} records no one who acted"
        )


def _check_subject(requested: dict[str, Any], data_subject: str) -> None:
    commitments = requested.get("commitments")
    logged = commitments.get(PERFORMER_FIELD) if isinstance(commitments, dict) else None
    if logged != data_subject:
        raise ConsentReceiptError(
            "the data subject is not the performer commitment of the consent's request entry"
        )


def _event_type(kind: str) -> EventType | None:
    prefix, _, name = kind.partition(".")
    if prefix != "consent":
        return None
    try:
        return EventType(name)
    except ValueError:
        return None


def _text(node: dict[str, Any], key: str, what: str) -> str:
    value = node.get(key)
    if not isinstance(value, str) or not value:
        raise ConsentReceiptError(f"{what} has no {key}")
    return value
