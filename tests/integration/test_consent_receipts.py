"""ISO/IEC TS 27560 consent receipts (issue 15, acceptance 4): a granted and a revoked
consent export as DPV JSON-LD that expands against the packaged context without any
fetch, name nobody, and carry log proofs that verify; a tampered receipt does not.

The IRIs expected below are written by hand from the DPV 2.3 vocabulary, not taken
from the code under test.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld

from likeness.api.iso27560 import ConsentReceiptError, check_consent_receipt, consent_receipt_jsonld
from likeness.bootstrap import Services
from likeness.domain.consent import Grantor, Modality, ReplicaKind, UseDescription
from likeness.domain.lifecycle import ConsentRequest
from likeness.domain.performer import Representative, RepresentativeCapacity
from likeness.domain.production import Agreement, ProductionKind
from likeness.errors import InvalidInputError, NotFoundError
from likeness.ledger.entry import commitment, decode_entry
from likeness.ledger.note import Signer, parse_verifier
from likeness.ledger.receipt import ReceiptError, parse_receipt, verify_receipt
from likeness.services.inputs import PerformerInput, ProductionInput
from likeness.store.log_store import SaltRepository
from likeness.store.record_keys import personal

CONTEXT_FILE = (
    Path(__file__).resolve().parents[2] / "src" / "likeness" / "api" / "data" / "dpv-context.jsonld"
)
DPV = "https://w3id.org/dpv#"
PD = "https://w3id.org/dpv/pd#"
LOC = "https://w3id.org/dpv/loc#"
DCT = "http://purl.org/dc/terms/"
LIKENESS = "urn:likeness:ns#"
TYPE = "@type"

LEGAL_NAME = "Marguerite Quill-Delacroix"
PROFESSIONAL_NAME = "Margo Quill"
MEMBER_NUMBER = "SAG-7731904"
AGENT = "Tobias Fennimore"


@dataclass
class Consents:
    services: Services
    performer: str
    production: str
    granted: str
    revoked: str
    requested: str
    denied: str

    @property
    def personal(self) -> list[str]:
        """What no receipt may carry."""
        return [LEGAL_NAME, PROFESSIONAL_NAME, MEMBER_NUMBER, AGENT, self.performer]


def _request(start: date) -> ConsentRequest:
    return ConsentRequest(
        replica_kind=ReplicaKind.EMPLOYMENT_BASED,
        modalities=frozenset({Modality.FACE, Modality.VOICE}),
        description=UseDescription(
            project="Harbour Lights",
            purposes=("deliver the lighthouse monologue in scene 14",),
            scenes=("scene 14",),
            media=("theatrical release", "streaming"),
            territory="United States and Canada",
        ),
        valid_from=start,
        valid_until=start + timedelta(days=365),
    )


@pytest.fixture
def consents(services: Services) -> Consents:
    today = services.clock.now().date()
    performer = services.registry.add_performer(
        PerformerInput(
            legal_name=LEGAL_NAME,
            professional_name=PROFESSIONAL_NAME,
            union="SAG-AFTRA",
            member_number=MEMBER_NUMBER,
            date_of_birth=date(1988, 3, 9),
            representatives=(Representative(AGENT, RepresentativeCapacity.AGENT),),
        )
    ).value.id
    production = services.registry.add_production(
        ProductionInput(
            title="Harbour Lights",
            company="Northlight Pictures",
            kind=ProductionKind.THEATRICAL,
            agreement=Agreement.SAG_AFTRA_TV_THEATRICAL,
            start_date=today - timedelta(days=5),
            jurisdiction="US-CA",
        )
    ).value.id
    service = services.consents

    def request() -> str:
        return service.request(performer, production, _request(today)).value.id

    granted, revoked, requested, denied = request(), request(), request(), request()
    for consent in (granted, revoked):
        service.grant(
            consent,
            by=Grantor.REPRESENTATIVE,
            signer=AGENT,
            signed_separately=True,
            clear_and_conspicuous=True,
        )
    service.revoke(revoked, by=Grantor.PERFORMER, reason="changed my mind")
    service.deny(denied, by=Grantor.PERFORMER, reason="no")
    return Consents(services, performer, production, granted, revoked, requested, denied)


class NoFetch:
    """A JSON-LD document loader that serves nothing: any fetch is recorded and fails."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        self.asked.append(url)
        raise jsonld.JsonLdError(f"no fetch allowed: {url}", "loading document failed")


class PackagedOnly(NoFetch):
    """Serves the packaged context file at one IRI, and nothing else."""

    IRI = "https://likeness.localhost/contexts/dpv-context.jsonld"

    def __call__(self, url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        if url != self.IRI:
            return super().__call__(url, options)
        self.asked.append(url)
        document = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": document,
        }


def receipt_of(consents: Consents, consent_id: str, through: int | None = None) -> dict[str, Any]:
    return consent_receipt_jsonld(consents.services.consent_receipts.prove(consent_id, through))


def expand(document: dict[str, Any]) -> list[dict[str, Any]]:
    loader = NoFetch()
    expanded: list[dict[str, Any]] = jsonld.expand(document, {"documentLoader": loader})
    assert loader.asked == []
    return expanded


def nodes(value: Any) -> Iterator[dict[str, Any]]:
    """Every node object of an expanded document (JSON literals are not walked)."""
    if isinstance(value, list):
        for item in value:
            yield from nodes(item)
    elif isinstance(value, dict):
        if value.get(TYPE) == "@json" or "@value" in value:
            return
        if "@list" in value:
            yield from nodes(value["@list"])
            return
        yield value
        for key, item in value.items():
            if not key.startswith("@"):
                yield from nodes(item)


def one(node: dict[str, Any], iri: str) -> dict[str, Any]:
    [value] = node[iri]
    assert isinstance(value, dict)
    return value


def record_of(expanded: list[dict[str, Any]]) -> dict[str, Any]:
    [receipt] = expanded
    assert receipt[TYPE] == [DPV + "ConsentReceipt"]
    return one(receipt, DPV + "hasRecordOfActivity")


def statuses(expanded: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = record_of(expanded)[DPV + "hasConsentStatus"]
    return sorted(found, key=lambda s: one(s, LIKENESS + "step")["@value"])


def proven(status: dict[str, Any]) -> Any:
    literal = one(status, LIKENESS + "logReceipt")
    assert literal[TYPE] == "@json"
    return parse_receipt(json.dumps(literal["@value"]))


def verifier(consents: Consents) -> Any:
    return parse_verifier(consents.services.ledger.verifier_key)


def expected_commitment(consents: Consents, consent_id: str) -> str:
    """The commitment to the performer id, computed from the consent's salt (which only
    the operator holds) with the log's own commitment function."""
    with consents.services.database.read() as connection:
        salt = SaltRepository(connection).get(f"consent:{consent_id}", personal(consents.performer))
    assert salt is not None
    return commitment(salt, "performer_id", consents.performer)


# -- acceptance 4 ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("which", "last_type", "absent"),
    [
        ("granted", "consent.granted", DPV + "ConsentWithdrawn"),
        ("revoked", "consent.revoked", None),
    ],
)
def test_receipt_expands_offline_names_nobody_and_its_proofs_verify(
    consents: Consents, which: str, last_type: str, absent: str | None
) -> None:
    consent_id = getattr(consents, which)
    document = receipt_of(consents, consent_id)
    # the context is the packaged file's, inline: nothing to fetch
    assert document["@context"] == json.loads(CONTEXT_FILE.read_text("utf-8"))["@context"]
    expanded = expand(document)

    [receipt] = expanded
    assert (
        one(receipt, DCT + "conformsTo")["@id"] == "https://w3id.org/dpv/schema/dpv-27560#receipt"
    )
    record = record_of(expanded)
    assert record[TYPE] == [DPV + "ConsentRecord"]
    assert one(record, DCT + "conformsTo")["@id"] == "https://w3id.org/dpv/schema/dpv-27560#record"
    assert one(record, DCT + "identifier")["@value"] == consent_id
    assert one(record, DPV + "hasJurisdiction")["@id"] == LOC + "US-CA"
    assert one(record, DPV + "hasLegalBasis")["@id"] == DPV + "Consent"
    controller = one(record, DPV + "hasDataController")
    assert DPV + "DataController" in controller[TYPE]
    assert one(controller, DPV + "hasName")["@value"] == "Northlight Pictures"
    process = one(record, DPV + "hasProcess")
    assert {p["@id"] for p in process[DPV + "hasProcessing"]} == {DPV + "Generate", DPV + "Use"}
    assert [one(p, DCT + "description")["@value"] for p in process[DPV + "hasPurpose"]] == [
        "deliver the lighthouse monologue in scene 14"
    ]
    data = process[DPV + "hasPersonalData"]
    assert all(d[TYPE] == [DPV + "SpecialCategoryPersonalData"] for d in data)
    broader = {b["@id"] for d in data for b in d["http://www.w3.org/2004/02/skos/core#broader"]}
    assert broader == {PD + "Biometric", PD + "FacialPrint"}
    assert {loc["@id"] for loc in process[DPV + "hasLocation"]} == {LOC + "US", LOC + "CA"}
    duration = one(process, DPV + "hasDuration")
    assert duration[TYPE] == [DPV + "UntilTimeDuration"]

    steps = statuses(expanded)
    types = [set(s[TYPE]) for s in steps]
    assert DPV + "ConsentRequested" in types[0]
    assert types[1] == {DPV + "ConsentGiven", DPV + "ExplicitlyExpressedConsent"}
    if which == "revoked":
        assert len(steps) == 3 and types[2] == {DPV + "ConsentWithdrawn"}
        assert one(steps[2], DPV + "isIndicatedBy")["@id"] == DPV + "DataSubject"
    else:
        assert len(steps) == 2
    assert absent is None or all(absent not in t for t in types)
    all_types = {t for node in nodes(expanded) for t in node.get(TYPE, [])}
    assert (DPV + "ConsentWithdrawn" in all_types) is (which == "revoked")

    # nobody is named: not in the text, not in the entries its proofs carry
    text = json.dumps(document, ensure_ascii=False)
    assert [p for p in consents.personal if p in text] == []
    entries = [decode_entry(proven(s).entry) for s in steps]
    entry_text = json.dumps(entries, ensure_ascii=False)
    assert [
        p for p in (LEGAL_NAME, PROFESSIONAL_NAME, MEMBER_NUMBER, AGENT) if p in entry_text
    ] == []

    # every step's proof verifies under the log's key; each entry is that step
    key = verifier(consents)
    receipts = [proven(s) for s in steps]
    for receipt_ in receipts:
        verify_receipt(receipt_, key)
    assert [e["type"] for e in entries] == (
        ["consent.requested", "consent.granted", "consent.revoked"][: len(steps)]
    )
    assert entries[-1]["type"] == last_type
    assert all(e["ids"]["consent"] == consent_id for e in entries)
    assert [r.index for r in receipts] == consents.services.consents.log_indexes(consent_id)
    # the data subject is the performer commitment the request entry holds, and it
    # commits to this performer
    subject = one(one(record, DPV + "hasDataSubject"), DCT + "identifier")["@value"]
    assert entries[0]["commitments"]["performer_id"] == subject
    assert subject == expected_commitment(consents, consent_id)

    checked = check_consent_receipt(json.dumps(document), key)
    assert checked.consent_id == consent_id
    assert [s.index for s in checked.steps] == [r.index for r in receipts]


def test_the_no_fetch_loader_would_catch_a_remote_context(consents: Consents) -> None:
    document = receipt_of(consents, consents.granted)
    loader = NoFetch()
    with pytest.raises(jsonld.JsonLdError):
        jsonld.expand({**document, "@context": PackagedOnly.IRI}, {"documentLoader": loader})
    assert loader.asked == [PackagedOnly.IRI]


def test_a_receipt_naming_the_packaged_context_expands_the_same(consents: Consents) -> None:
    """A consumer may keep our context file and name it instead of the inline copy."""
    document = receipt_of(consents, consents.revoked)
    loader = PackagedOnly()
    by_file = jsonld.expand({**document, "@context": PackagedOnly.IRI}, {"documentLoader": loader})
    assert loader.asked == [PackagedOnly.IRI]
    assert by_file == expand(document)


def test_a_requested_consent_is_a_record_with_status_requested(consents: Consents) -> None:
    steps = statuses(expand(receipt_of(consents, consents.requested)))
    assert [s[TYPE] for s in steps] == [[DPV + "ConsentRequested"]]
    [entry] = [decode_entry(proven(s).entry) for s in steps]
    assert entry["type"] == "consent.requested"


def test_a_denied_consent_is_refused(consents: Consents) -> None:
    steps = statuses(expand(receipt_of(consents, consents.denied)))
    assert steps[-1][TYPE] == [DPV + "ConsentRefused"]


def test_suspension_and_resumption(consents: Consents) -> None:
    service = consents.services.consents
    service.suspend(consents.granted, reason="strike")
    service.resume(consents.granted)
    steps = statuses(expand(receipt_of(consents, consents.granted)))
    assert [set(s[TYPE]) for s in steps[2:]] == [
        {LIKENESS + "ConsentSuspended"},
        {DPV + "ConsentGiven", LIKENESS + "ConsentResumed"},
    ]
    check_consent_receipt(json.dumps(receipt_of(consents, consents.granted)), verifier(consents))


def test_event_proves_the_consent_as_it_stood_at_that_step(consents: Consents) -> None:
    indexes = consents.services.consents.log_indexes(consents.revoked)
    steps = statuses(expand(receipt_of(consents, consents.revoked, through=indexes[1])))
    assert [s[TYPE][0] for s in steps] == [DPV + "ConsentRequested", DPV + "ConsentGiven"]
    assert [proven(s).index for s in steps] == indexes[:2]


def test_an_event_of_another_consent_is_refused(consents: Consents) -> None:
    other = consents.services.consents.log_indexes(consents.granted)[-1]
    with pytest.raises(InvalidInputError) as refused:
        consents.services.consent_receipts.prove(consents.revoked, other)
    assert f"log entry {other} does not record a step of consent {consents.revoked}" in str(
        refused.value
    )


def test_an_unknown_consent_is_not_found(consents: Consents) -> None:
    unknown = "01J0000000000000000000000Z"
    with pytest.raises(NotFoundError) as missing:
        consents.services.consent_receipts.prove(unknown)
    assert unknown in str(missing.value)


# -- tampering -----------------------------------------------------------------------------


def _flip(text: str) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[len(raw) // 2] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def _record(document: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = document["dpv:hasRecordOfActivity"]
    return record


def _subject_changed(document: dict[str, Any]) -> None:
    subject = _record(document)["dpv:hasDataSubject"]
    subject["dct:identifier"] = _flip(subject["dct:identifier"])


def _proof_byte_changed(document: dict[str, Any]) -> None:
    receipt = _record(document)["dpv:hasConsentStatus"][-1]["likeness:logReceipt"]
    receipt["inclusion_proof"][0] = _flip(receipt["inclusion_proof"][0])


def _entry_byte_changed(document: dict[str, Any]) -> None:
    receipt = _record(document)["dpv:hasConsentStatus"][-1]["likeness:logReceipt"]
    receipt["entry"] = _flip(receipt["entry"])


def _withdrawal_shown_as_given(document: dict[str, Any]) -> None:
    _record(document)["dpv:hasConsentStatus"][-1]["@type"] = ["dpv:ConsentGiven"]


def _time_changed(document: dict[str, Any]) -> None:
    _record(document)["dpv:hasConsentStatus"][-1]["dpv:isIndicatedAtTime"] = (
        "2020-01-01T00:00:00.000000Z"
    )


def _step_dropped(document: dict[str, Any]) -> None:
    del _record(document)["dpv:hasConsentStatus"][0]


def _prefix_redefined(document: dict[str, Any]) -> None:
    document["@context"]["dpv"] = "https://example.invalid/not-dpv#"


def _another_consents_step(document: dict[str, Any], other: dict[str, Any]) -> None:
    _record(document)["dpv:hasConsentStatus"][-1] = _record(other)["dpv:hasConsentStatus"][-1]


@pytest.mark.parametrize(
    ("tamper", "says"),
    [
        (_subject_changed, "data subject is not the performer commitment"),
        (_proof_byte_changed, "is not proven in tree"),
        (_entry_byte_changed, "step 3"),
        (_withdrawal_shown_as_given, "is not what log entry"),
        (_time_changed, "is not the time log entry"),
        (_step_dropped, "step 1: log entry"),
        (_prefix_redefined, "@context is not the packaged DPV context"),
    ],
)
def test_a_tampered_receipt_fails(consents: Consents, tamper: Any, says: str) -> None:
    document = receipt_of(consents, consents.revoked)
    check_consent_receipt(json.dumps(document), verifier(consents))  # untouched, it passes
    tampered = copy.deepcopy(document)
    tamper(tampered)
    with pytest.raises(ConsentReceiptError) as failed:
        check_consent_receipt(json.dumps(tampered), verifier(consents))
    assert says in str(failed.value)


def test_a_step_of_another_consent_fails(consents: Consents) -> None:
    document = receipt_of(consents, consents.revoked)
    _another_consents_step(document, receipt_of(consents, consents.granted))
    with pytest.raises(ConsentReceiptError) as failed:
        check_consent_receipt(json.dumps(document), verifier(consents))
    assert f"records another consent, not {consents.revoked}" in str(failed.value)


# -- what the entries show in clear: the controller, the lifecycle, the requester -----

OTHER_PRODUCTION = "01J9ZZZZZZZZZZZZZZZZZZZZZZ"


def _refusal(consents: Consents, consent_id: str, tamper: Any) -> str:
    document = receipt_of(consents, consent_id)
    check_consent_receipt(json.dumps(document), verifier(consents))  # untouched, it passes
    tamper(_record(document))
    with pytest.raises(ConsentReceiptError) as failed:
        check_consent_receipt(json.dumps(document), verifier(consents))
    return str(failed.value)


def test_another_controller_fails(consents: Consents) -> None:
    def swap(record: dict[str, Any]) -> None:
        record["dpv:hasDataController"]["@id"] = f"urn:likeness:production:{OTHER_PRODUCTION}"
        record["dpv:hasDataController"]["dpv:hasName"] = "Someone Else Ltd"

    [requested, *_] = consents.services.consents.log_indexes(consents.revoked)
    assert _refusal(consents, consents.revoked, swap) == (
        f"step 1: the controller urn:likeness:production:{OTHER_PRODUCTION} is not the "
        f"production log entry {requested} records ('{consents.production}')"
    )


def test_a_controller_without_a_production_iri_fails(consents: Consents) -> None:
    def unnamed(record: dict[str, Any]) -> None:
        record["dpv:hasDataController"]["@id"] = "_:controller"

    assert _refusal(consents, consents.granted, unnamed) == (
        "the record's dpv:hasDataController has no @id urn:likeness:production:<production id>"
    )


def test_a_record_iri_of_another_consent_fails(consents: Consents) -> None:
    def renamed(record: dict[str, Any]) -> None:
        record["@id"] = f"urn:likeness:consent:{consents.granted}"

    assert _refusal(consents, consents.revoked, renamed) == (
        f"the record's @id 'urn:likeness:consent:{consents.granted}' is not consent "
        f"{consents.revoked}'s (urn:likeness:consent:{consents.revoked})"
    )


@pytest.mark.parametrize("renumbered", [False, True])
def test_a_grant_dropped_before_the_withdrawal_fails(consents: Consents, renumbered: bool) -> None:
    def drop_grant(record: dict[str, Any]) -> None:
        steps = record["dpv:hasConsentStatus"]
        del steps[1]
        if renumbered:  # the step numbers are the receipt's own: they can be made to fit
            steps[1]["likeness:step"] = 2

    [_, _, revoked] = consents.services.consents.log_indexes(consents.revoked)
    assert _refusal(consents, consents.revoked, drop_grant) == (
        f"step 2: log entry {revoked} records the consent revoked, which its lifecycle "
        "does not allow when it is requested: a step before it is missing"
    )


def test_a_suspension_dropped_before_its_resumption_fails(
    consents: Consents,
) -> None:
    service = consents.services.consents
    service.suspend(consents.granted, reason="strike")
    service.resume(consents.granted)

    def drop_suspension(record: dict[str, Any]) -> None:
        del record["dpv:hasConsentStatus"][2]

    [*_, resumed] = service.log_indexes(consents.granted)
    assert _refusal(consents, consents.granted, drop_suspension) == (
        f"step 3: log entry {resumed} records the consent resumed, which its lifecycle "
        "does not allow when it is granted: a step before it is missing"
    )


def test_a_step_number_out_of_sequence_fails(consents: Consents) -> None:
    def renumber(record: dict[str, Any]) -> None:
        record["dpv:hasConsentStatus"][2]["likeness:step"] = 7

    assert _refusal(consents, consents.revoked, renumber) == (
        "step 3: its likeness:step is 7: a receipt holds every step from the request, "
        "numbered from 1"
    )


def test_a_request_indicated_by_another_production_fails(consents: Consents) -> None:
    def requester(record: dict[str, Any]) -> None:
        record["dpv:hasConsentStatus"][0]["dpv:isIndicatedBy"] = (
            f"urn:likeness:production:{OTHER_PRODUCTION}"
        )

    [requested, *_] = consents.services.consents.log_indexes(consents.granted)
    assert _refusal(consents, consents.granted, requester) == (
        f"step 1: it is indicated by 'urn:likeness:production:{OTHER_PRODUCTION}', but log "
        f"entry {requested} is a request of the production "
        f"(urn:likeness:production:{consents.production})"
    )


def test_a_suspension_indicated_by_someone_fails(consents: Consents) -> None:
    consents.services.consents.suspend(consents.granted, reason="strike")

    def by_the_performer(record: dict[str, Any]) -> None:
        record["dpv:hasConsentStatus"][2]["dpv:isIndicatedBy"] = "dpv:DataSubject"

    [*_, suspended] = consents.services.consents.log_indexes(consents.granted)
    assert _refusal(consents, consents.granted, by_the_performer) == (
        f"step 3: it is indicated by 'dpv:DataSubject', but log entry {suspended} records "
        "no one who acted"
    )


def test_a_grant_indicated_by_no_grantor_term_fails(consents: Consents) -> None:
    def by_the_controller(record: dict[str, Any]) -> None:
        record["dpv:hasConsentStatus"][1]["dpv:isIndicatedBy"] = "dpv:DataController"

    assert _refusal(consents, consents.granted, by_the_controller) == (
        "step 2: dpv:isIndicatedBy 'dpv:DataController' is none of ['dpv:DataSubject', "
        "'dpv:GuardianOfDataSubject', 'likeness:Estate', 'likeness:Representative', "
        "'likeness:Union']"
    )


def test_who_granted_is_committed_to_not_shown(consents: Consents) -> None:
    """The grant entry commits to who granted under the consent's salt, which a receipt
    does not carry: an outsider cannot check ``dpv:isIndicatedBy`` there (documented),
    though the operator, holding the salt, can."""
    document = receipt_of(consents, consents.granted)
    grant = _record(document)["dpv:hasConsentStatus"][1]
    entry = decode_entry(parse_receipt(json.dumps(grant["likeness:logReceipt"])).entry)
    assert "by" in entry["commitments"] and "by" not in entry["ids"]
    with consents.services.database.read() as connection:
        salt = SaltRepository(connection).get(
            f"consent:{consents.granted}", personal(consents.performer)
        )
    assert salt is not None
    assert entry["commitments"]["by"] == commitment(salt, "by", "representative")


def test_a_changed_proof_byte_fails_the_log_verifier_itself(consents: Consents) -> None:
    document = receipt_of(consents, consents.granted)
    _proof_byte_changed(document)
    [_, last] = statuses(expand(document))
    with pytest.raises(ReceiptError):
        verify_receipt(proven(last), verifier(consents))


def test_another_logs_key_fails(consents: Consents) -> None:
    stranger = Signer(consents.services.settings.log_origin, bytes(range(32)))
    document = receipt_of(consents, consents.granted)
    with pytest.raises(ConsentReceiptError) as failed:
        check_consent_receipt(json.dumps(document), stranger.verifier)
    assert "checkpoint rejected" in str(failed.value)


# -- the CLI and the API -------------------------------------------------------------------


def _cli(home: Path, *args: str) -> Any:
    from typer.testing import CliRunner

    from likeness.cli.app import app

    return CliRunner().invoke(app, ["--home", str(home), *args])


def _cli_consents(tmp_path: Path) -> tuple[Path, str, str]:
    """A data home made with the CLI, with a revoked consent: (home, consent, key file)."""
    home = tmp_path / "home"
    assert _cli(home, "init").exit_code == 0
    performer = _cli(
        home,
        "performer",
        "add",
        "--legal-name",
        LEGAL_NAME,
        "--member-number",
        MEMBER_NUMBER,
        "--union",
        "SAG-AFTRA",
        "--date-of-birth",
        "1988-03-09",
        "--json",
    )
    performer_id = json.loads(performer.stdout)["id"]
    production = _cli(
        home,
        "production",
        "add",
        "--title",
        "Harbour Lights",
        "--company",
        "Northlight",
        "--kind",
        "theatrical",
        "--agreement",
        "sag-aftra-tv-theatrical",
        "--start",
        "2026-01-01",
        "--jurisdiction",
        "US-CA",
        "--json",
    )
    assert production.exit_code == 0, production.output
    production_id = json.loads(production.stdout)["id"]
    requested = _cli(
        home,
        "consent",
        "request",
        "--performer",
        performer_id,
        "--production",
        production_id,
        "--kind",
        "employment_based",
        "--modality",
        "face",
        "--project",
        "Harbour Lights",
        "--purpose",
        "deliver the lighthouse monologue in scene 14",
        "--scene",
        "scene 14",
        "--territory",
        "US",
        "--from",
        "2026-01-01",
        "--until",
        "2026-12-31",
        "--medium",
        "theatrical release",
        "--json",
    )
    assert requested.exit_code == 0, requested.output
    consent_id = json.loads(requested.stdout)["id"]
    for step in (
        ["grant", consent_id, "--by", "performer"],
        ["revoke", consent_id, "--by", "performer"],
    ):
        assert _cli(home, "consent", *step).exit_code == 0
    key = _cli(home, "log", "key").stdout.strip()
    key_file = tmp_path / "log.vkey"
    key_file.write_text(key + "\n", encoding="utf-8")
    return home, consent_id, str(key_file)


def test_cli_exports_a_receipt_that_verifies_offline(tmp_path: Path) -> None:
    from likeness.cli.app import EXIT_CODES
    from likeness.errors import ErrorKind

    home, consent_id, key = _cli_consents(tmp_path)
    out = tmp_path / "consent.jsonld"
    made = _cli(home, "consent", "receipt", consent_id, "--format", "iso27560", "-o", str(out))
    assert made.exit_code == 0, made.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert LEGAL_NAME not in out.read_text(encoding="utf-8")
    assert MEMBER_NUMBER not in out.read_text(encoding="utf-8")
    steps = statuses(expand(document))
    assert steps[-1][TYPE] == [DPV + "ConsentWithdrawn"]

    # offline: no --home, nothing but the file and the key
    checked = _cli(
        tmp_path / "no-home", "consent", "verify-receipt", str(out), "--key", key, "--json"
    )
    assert checked.exit_code == 0, checked.output
    result = json.loads(checked.stdout)
    assert result["verified"] is True and result["consent_id"] == consent_id
    assert [s["type"] for s in result["steps"]] == ["requested", "granted", "revoked"]
    assert not (tmp_path / "no-home").exists()

    tampered = tmp_path / "tampered.jsonld"
    _withdrawal_shown_as_given(document)
    tampered.write_text(json.dumps(document), encoding="utf-8")
    refused = _cli(tmp_path, "consent", "verify-receipt", str(tampered), "--key", key)
    assert refused.exit_code == EXIT_CODES[ErrorKind.INVALID]
    assert "is not what log entry" in refused.output

    # --event: as it stood when granted; --format log: that step's log receipt
    granted_at = json.loads(_cli(home, "consent", "show", consent_id, "--json").stdout)
    index = granted_at["log_indexes"][1]
    log_receipt = tmp_path / "step.json"
    assert (
        _cli(
            home,
            "consent",
            "receipt",
            consent_id,
            "--format",
            "log",
            "--event",
            str(index),
            "-o",
            str(log_receipt),
        ).exit_code
        == 0
    )
    verified = _cli(tmp_path, "log", "verify-receipt", str(log_receipt), "--key", key, "--json")
    assert verified.exit_code == 0, verified.output
    assert json.loads(verified.stdout)["entry"]["type"] == "consent.granted"


def test_cli_bad_input_is_clear(tmp_path: Path) -> None:
    from likeness.cli.app import EXIT_CODES
    from likeness.errors import ErrorKind

    home, consent_id, key = _cli_consents(tmp_path)
    unknown = _cli(home, "consent", "receipt", "01J0000000000000000000000Z")
    assert unknown.exit_code == EXIT_CODES[ErrorKind.NOT_FOUND]
    assert "no consent with id '01J0000000000000000000000Z'" in unknown.output
    wrong_step = _cli(home, "consent", "receipt", consent_id, "--event", "0")
    assert wrong_step.exit_code == EXIT_CODES[ErrorKind.INVALID]
    assert "log entry 0 does not record a step of consent" in wrong_step.output
    missing = _cli(home, "consent", "verify-receipt", str(tmp_path / "nope.jsonld"), "--key", key)
    assert missing.exit_code == EXIT_CODES[ErrorKind.INVALID]
    assert "cannot read" in missing.output
    bad_key = _cli(home, "consent", "verify-receipt", str(tmp_path / "nope.jsonld"), "--key", "x")
    assert bad_key.exit_code == EXIT_CODES[ErrorKind.INVALID]
    assert "verifier key rejected" in bad_key.output


def test_api_serves_json_ld_to_the_parties_only(consents: Consents) -> None:
    from fastapi.testclient import TestClient

    from likeness.api.app import create_app
    from likeness.domain.account import Role

    services = consents.services
    accounts = services.accounts

    def token(role: Role, **ties: str) -> dict[str, str]:
        account = accounts.add_account(f"{role.value}-{len(ties)}", role, **ties)
        return {"Authorization": f"Bearer {accounts.create_api_key(account.id, 't').token}"}

    performer = token(Role.PERFORMER, performer_id=consents.performer)
    production = token(Role.PRODUCTION, production_id=consents.production)
    auditor = token(Role.AUDITOR)
    other = services.registry.add_production(
        ProductionInput(
            title="Other",
            company="Elsewhere",
            kind=ProductionKind.THEATRICAL,
            agreement=Agreement.NONE,
            start_date=date(2026, 1, 1),
        )
    ).value.id
    stranger = token(Role.PRODUCTION, production_id=other)
    http = TestClient(create_app(services))
    path = f"/v1/consents/{consents.revoked}/iso27560"
    for headers in (performer, production):
        response = http.get(path, headers=headers)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/ld+json")
        assert [p for p in consents.personal if p in response.text] == []
        steps = statuses(expand(response.json()))
        assert steps[-1][TYPE] == [DPV + "ConsentWithdrawn"]
        check_consent_receipt(response.text, verifier(consents))
    granted_index = services.consents.log_indexes(consents.revoked)[1]
    at_grant = http.get(path, params={"event": granted_index}, headers=performer)
    assert [s[TYPE][0] for s in statuses(expand(at_grant.json()))][-1] == DPV + "ConsentGiven"
    for headers in (stranger, auditor):
        refused = http.get(path, headers=headers)
        assert refused.status_code == 403
        assert refused.json()["error"]["kind"] == "forbidden"
        assert consents.performer not in refused.text and "Northlight" not in refused.text
    unknown = http.get("/v1/consents/01J0000000000000000000000Z/iso27560", headers=performer)
    assert unknown.status_code == 404 and unknown.json()["error"]["kind"] == "not_found"
    wrong = http.get(path, params={"event": 0}, headers=performer)
    assert wrong.status_code == 422, wrong.text
    assert "does not record a step of consent" in wrong.text
