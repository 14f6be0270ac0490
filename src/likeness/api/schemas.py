"""Request and response bodies of the HTTP API (the OpenAPI document is built from these)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from likeness.domain.account import Role
from likeness.domain.consent import (
    Alteration,
    CompensationBasis,
    CompensationTerms,
    ExpressiveUse,
    Grantor,
    Modality,
    PerformerCategory,
    ReplicaKind,
    Representation,
    UseDescription,
    UseFacts,
)
from likeness.domain.lifecycle import ConsentRequest
from likeness.domain.production import Agreement, ProductionKind
from likeness.domain.regions import region_problem
from likeness.domain.takedown import TakedownStatus

Text = Annotated[str, Field(min_length=1, max_length=500)]
ShortText = Annotated[str, Field(max_length=500)]
Items = Annotated[list[Text], Field(max_length=50)]
Id = Annotated[str, Field(min_length=1, max_length=64)]
Amount = Annotated[Decimal, Field(ge=0, le=Decimal("1e12"), max_digits=16, decimal_places=2)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def _storable_text(self) -> In:
        """Text a database can store: PostgreSQL refuses NUL in text. (An unpaired
        surrogate never gets here: pydantic's JSON parser refuses it.)"""
        for name, value in self:
            if any("\x00" in text for text in _strings(value)):
                raise ValueError(f"{name}: text must not contain the NUL character")
        return self


def _strings(value: object) -> list[str]:
    """The strings a field holds directly (nested request bodies check their own)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple | set | frozenset):
        return [item for item in value if isinstance(item, str)]
    if isinstance(value, dict):
        return [item for pair in value.items() for item in pair if isinstance(item, str)]
    return []


class Out(BaseModel):
    model_config = ConfigDict(extra="allow")


# -- registry -------------------------------------------------------------------


class RepresentativeIn(In):
    name: Text
    capacity: Annotated[str, Field(pattern="^(agent|manager|attorney|guardian|estate)$")]
    contact: ShortText | None = None


class PerformerIn(In):
    legal_name: Text
    date_of_birth: date
    professional_name: Text | None = None
    union: Annotated[str, Field(max_length=64)] | None = None
    member_number: Annotated[str, Field(max_length=32)] | None = None
    date_of_death: date | None = None
    domicile: Annotated[str, Field(max_length=8)] | None = None
    representatives: Annotated[list[RepresentativeIn], Field(max_length=20)] = []


class PerformerOut(Out):
    id: str
    legal_name: str
    professional_name: str | None
    status: str
    date_of_birth: str
    representatives: list[dict[str, Any]]


class ProductionIn(In):
    title: Text
    company: Text
    kind: ProductionKind
    agreement: Agreement
    start_date: date
    end_date: date | None = None
    jurisdiction: Annotated[str, Field(max_length=8)] | None = None


class ProductionOut(Out):
    id: str
    title: str
    company: str
    kind: str
    agreement: str


# -- consents -------------------------------------------------------------------


class UseDescriptionIn(In):
    """``purposes`` lists what the replica may do (a use picks one); a single
    ``purpose`` is accepted as a list of one."""

    project: Text
    purposes: Annotated[list[Text], Field(min_length=1, max_length=20)] | None = None
    purpose: Text | None = None
    territory: Text
    media: Annotated[list[Text], Field(min_length=1, max_length=50)]
    scenes: Items = []
    character: Text | None = None
    advertiser: Text | None = None
    product_line: Text | None = None

    @model_validator(mode="after")
    def _one_purpose_field(self) -> UseDescriptionIn:
        if (self.purposes is None) == (self.purpose is None):
            raise ValueError("give purposes (a list) or purpose, not both and not neither")
        return self

    def listed_purposes(self) -> tuple[str, ...]:
        return tuple(self.purposes) if self.purposes is not None else (self.purpose or "",)


class CompensationIn(In):
    basis: CompensationBasis
    amount: Amount | None = None
    currency: Annotated[str, Field(pattern="^[A-Z]{3}$")] = "USD"
    scale: Amount | None = None


class ConsentRequestIn(In):
    performer_id: Id
    production_id: Id
    replica_kind: ReplicaKind
    modalities: Annotated[list[Modality], Field(min_length=1, max_length=3)]
    description: UseDescriptionIn
    valid_from: date
    valid_until: date | None = None
    compensation: CompensationIn | None = None
    representation: Representation | None = None
    real_time_generation: bool = False
    created_for_production_id: Id | None = None
    dubbing: bool = False
    max_period_of_use_ends: date | None = None
    nudity: bool = False

    def to_request(self) -> ConsentRequest:
        d = self.description
        return ConsentRequest(
            replica_kind=self.replica_kind,
            modalities=frozenset(self.modalities),
            description=UseDescription(
                project=d.project,
                purposes=d.listed_purposes(),
                character=d.character,
                scenes=tuple(d.scenes),
                media=tuple(d.media),
                territory=d.territory,
                advertiser=d.advertiser,
                product_line=d.product_line,
            ),
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            compensation=None
            if self.compensation is None
            else CompensationTerms(
                basis=self.compensation.basis,
                amount=self.compensation.amount,
                currency=self.compensation.currency,
                scale=self.compensation.scale,
            ),
            representation=self.representation,
            real_time_generation=self.real_time_generation,
            created_for_production_id=self.created_for_production_id,
            dubbing=self.dubbing,
            max_period_of_use_ends=self.max_period_of_use_ends,
            nudity=self.nudity,
        )


class AnswerIn(In):
    """Who answers is known from the caller; an admin acting for an estate or the union
    names ``by`` and ``signer``."""

    by: Grantor | None = None
    signer: Text | None = None
    signed_separately: bool = True
    clear_and_conspicuous: bool = True
    reason: ShortText = ""


class ConsentOut(Out):
    id: str
    performer_id: str
    production_id: str
    state: str
    status: str
    terms: dict[str, Any]
    log_indexes: list[int]


# -- uses and checks ------------------------------------------------------------


class UseIn(In):
    """A use. ``purpose`` names the consented purpose it relies on (one of the consent's
    ``purposes``; needed when the consent lists no scenes); ``note`` is free text, kept
    and never decisive."""

    production_id: Id
    replica_kind: ReplicaKind
    modalities: Annotated[list[Modality], Field(min_length=1, max_length=3)]
    purpose: ShortText = ""
    date: date
    scenes: Items = []
    days_equivalent: Annotated[Decimal, Field(ge=0, le=10000, max_digits=8, decimal_places=2)] = (
        Decimal(1)
    )
    as_principal: bool = False
    substantially_as_scripted: bool = False
    alteration: Alteration | None = None
    creation: bool = False
    real_time_generation: bool = False
    sexual_or_nude: bool = False
    background_headcount_met: bool | None = None
    distribution: Items = []
    note: ShortText = ""
    character: Text | None = None
    media: Items = []
    advertiser: Text | None = None
    product_line: Text | None = None
    new_commercial: bool = False
    notice_at: AwareDatetime | None = None
    engaged_at: AwareDatetime | None = None
    services_at: AwareDatetime | None = None
    business_reason: ShortText = ""
    dubbing: bool = False
    expressive_use: ExpressiveUse | None = None
    union_notified_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _regions(self) -> UseIn:
        for region in self.distribution:
            problem = region_problem(region)
            if problem:
                raise ValueError(f"distribution: {problem}")
        return self

    def to_facts(self) -> UseFacts:
        return UseFacts(
            production_id=self.production_id,
            replica_kind=self.replica_kind,
            modalities=frozenset(self.modalities),
            purpose=self.purpose,
            date=self.date,
            scenes=tuple(self.scenes),
            days_equivalent=self.days_equivalent,
            as_principal=self.as_principal,
            substantially_as_scripted=self.substantially_as_scripted,
            alteration=self.alteration,
            creation=self.creation,
            real_time_generation=self.real_time_generation,
            sexual_or_nude=self.sexual_or_nude,
            background_headcount_met=self.background_headcount_met,
            distribution=tuple(self.distribution),
            note=self.note,
            character=self.character,
            media=tuple(self.media),
            advertiser=self.advertiser,
            product_line=self.product_line,
            new_commercial=self.new_commercial,
            notice_at=self.notice_at,
            engaged_at=self.engaged_at,
            services_at=self.services_at,
            business_reason=self.business_reason,
            dubbing=self.dubbing,
            expressive_use=self.expressive_use,
            union_notified_at=self.union_notified_at,
        )


class UseReportIn(In):
    performer_id: Id
    use: UseIn
    category: PerformerCategory = PerformerCategory.PRINCIPAL
    pro_rata_daily_rate: Amount | None = None
    consent_id: Id | None = None


class DecisionOut(Out):
    decision: str
    consent_id: str | None
    reasons: list[dict[str, Any]]
    warnings: list[dict[str, Any]]
    compensation: list[dict[str, Any]]
    total: dict[str, Any]


class UseOut(Out):
    use_id: str
    performer_id: str
    production_id: str
    date: str
    log_index: int
    decision: DecisionOut


class StatementOut(Out):
    performer_id: str
    uses: list[dict[str, Any]]
    totals: list[dict[str, Any]]
    reconciled: bool


class CheckIn(In):
    performer_id: Id
    use: UseIn
    category: PerformerCategory = PerformerCategory.PRINCIPAL


class ReceiptOut(Out):
    format: str
    index: int
    entry: str
    inclusion_proof: list[str]
    checkpoint: str


class FindingOut(Out):
    performer_id: str | None
    modality: str
    where: list[Any]
    distance: float | None
    calibration: str | None = Field(
        description="The calibration whose threshold decided the identification (its id, "
        "or 'default': the settings'); null for a check of a named performer."
    )
    decision: str
    consent_id: str | None
    reasons: list[dict[str, Any]]
    warnings: list[dict[str, Any]]
    total: dict[str, Any] | None


class CommitmentOut(Out):
    salt: str = Field(description="Base64 salt of the check's log entry (keep it).")
    record: dict[str, Any] = Field(
        description="What the entry commits to: the use asked about and the answer given."
    )


class CheckOut(Out):
    covered: bool
    findings: list[FindingOut]
    log_index: int
    receipt: ReceiptOut
    verifier_key: str
    commitment: CommitmentOut


# -- scans, webhooks, accounts, log ---------------------------------------------------


class CredentialOut(Out):
    """A clearance credential asked for with a scan job (docs/provenance.md)."""

    status: str  # pending, issued, refused
    file: str  # the signed copy's name, as downloaded
    signed_sha256: str | None
    scan_log_index: int | None
    issued_log_index: int | None
    reason: str | None


class ProgressOut(Out):
    """Where a running job stands (services/tasks.py)."""

    status: str  # running, done, failed, cancelled
    stage: str  # queued, decoding, detecting, identifying, deciding, signing (file i of n)
    done: int
    total: int | None
    percent: int | None
    cancel_requested: bool
    started_at: str | None
    updated_at: str | None
    message: str | None


class ScanJobOut(Out):
    id: str
    production_id: str
    status: str
    media: list[str]
    options: dict[str, Any]
    error: str | None
    created_at: str
    finished_at: str | None
    summary: dict[str, Any] | None
    credential: CredentialOut | None = None
    progress: ProgressOut | None = None  # while it is queued or running


class WebhookIn(In):
    url: Annotated[str, Field(min_length=8, max_length=2000)]
    events: Annotated[list[Text], Field(min_length=1, max_length=10)]


class WebhookOut(Out):
    id: str
    url: str
    events: list[str]
    created_at: str
    active: bool


class NewWebhookOut(WebhookOut):
    secret: str


class DeliveryOut(Out):
    id: str
    event_id: str
    event_type: str
    status: str
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: str
    delivered_at: str | None
    next_attempt_at: str | None


class AccountIn(In):
    name: Text
    role: Role
    performer_id: Id | None = None
    production_id: Id | None = None


class AccountOut(Out):
    id: str
    name: str
    role: str
    performer_id: str | None
    production_id: str | None
    disabled_at: str | None = None


class ApiKeyIn(In):
    label: ShortText = ""
    expires_in_days: Annotated[int, Field(ge=1, le=3650)] | None = None


class ApiKeyOut(Out):
    id: str
    account_id: str
    label: str
    active: bool
    expires_at: str | None


class NewApiKeyOut(ApiKeyOut):
    token: str


class LogStatusOut(Out):
    size: int
    checkpoint: str
    verifier_key: str
    origin: str


class AuditOut(Out):
    ok: bool
    size: int
    root: str
    problem: str | None


class AggregatesOut(Out):
    performers: int
    productions: int
    consents: dict[str, int]
    uses: int
    flagged_appearances: int
    log_size: int


# -- takedown notices ------------------------------------------------------------------


class TakedownIn(In):
    flag_id: Annotated[int, Field(ge=0)]
    location: Annotated[str, Field(min_length=1, max_length=2048)]
    contact: Annotated[str | None, Field(max_length=2000)] = None
    signer: Annotated[str | None, Field(max_length=2000)] = None


class TakedownStepIn(In):
    status: TakedownStatus
    on: date | None = None  # the day it happened (default: now)
    note: Annotated[str | None, Field(max_length=2000)] = None


class TakedownOut(Out):
    id: str
    flag_id: int
    performer_id: str
    location: str
    status: str
    next_steps: list[str]
    steps: list[dict[str, Any]]


class NoticeOut(Out):
    takedown: TakedownOut
    notice: dict[str, Any]
    notice_sha256: str
    receipts: dict[str, Any]
    checkpoint: str
