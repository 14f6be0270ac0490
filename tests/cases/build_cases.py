"""Writes the worked cases in this folder from the hand-written table below.

Every expectation here was worked out by hand from shared/reference/rules.md
(the clause each case cites) — never by running the engine. Run this script
after editing the table: ``python tests/cases/build_cases.py``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

HERE = Path(__file__).parent

PERFORMER = {"id": "P1", "category": "principal", "date_of_birth": "1990-01-01"}
FILM = {"id": "F1", "kind": "theatrical", "agreement": "sag-aftra-tv-theatrical"}
DESCRIPTION = {
    "project": "Night Shift (feature film)",
    "character": "Dr. Vale",
    "scenes": ["42", "43", "44"],
    "purpose": "complete reshoot scenes",
    "media": ["theatrical release", "streaming"],
    "territory": "worldwide",
}
CONSENT = {
    "id": "C1",
    "production_id": "F1",
    "replica_kind": "employment_based",
    "modalities": ["face", "body"],
    "description": DESCRIPTION,
    "signed_separately": True,
    "clear_and_conspicuous": True,
    "granted_by": "performer",
    "granted_at": "2025-08-10T09:00:00Z",
    "valid_from": "2025-08-10",
    "valid_until": "2026-06-30",
}
USE = {
    "production_id": "F1",
    "replica_kind": "employment_based",
    "modalities": ["face"],
    "scenes": ["42", "43"],
    "purpose": "complete reshoot scenes",
    "date": "2025-10-01",
    "days_equivalent": 2,
}


def case(
    name,
    cites,
    summary,
    expected,
    *,
    performer=None,
    production=None,
    consents=None,
    use=None,
    as_of=None,
    relied_on=None,
):
    data = {
        "description": summary,
        "cites": cites,
        "as_of": as_of or (use or {}).get("date", USE["date"]),
        "performer": {**PERFORMER, **(performer or {})},
        "production": {**FILM, **(production or {})},
        "consents": [copy.deepcopy(CONSENT)] if consents is None else consents,
        "use": {**USE, **(use or {})},
        "expected": expected,
    }
    if relied_on is not None:
        data["relied_on"] = relied_on
    return name, data


def consent(**changes):
    c = copy.deepcopy(CONSENT)
    for key, value in changes.items():
        if key == "description":
            c["description"] = {**c["description"], **value}
            if "purposes" in value:
                c["description"].pop("purpose")
        else:
            c[key] = value
    return c


def covered(total, consent_id="C1", **more):
    return {"decision": "covered", "consent_id": consent_id, "total": total, **more}


def not_covered(*rules, **more):
    return {
        "decision": "not_covered",
        "consent_id": None,
        "total": "0.00",
        "reason_rules": list(rules),
        **more,
    }


def exempt(*rules, **more):
    return {
        "decision": "exempt",
        "consent_id": None,
        "total": "0.00",
        "reason_rules": list(rules),
        **more,
    }


BG = {"category": "background"}
BG_CONSENT = dict(
    replica_kind="background",
    modalities=["face", "body"],
    description={"purpose": "create background replica", "scenes": ["12"], "character": "Commuter"},
)
BG_SCAN = {
    "replica_kind": "background",
    "modalities": ["face", "body"],
    "creation": True,
    "purpose": "create background replica",
    "scenes": [],
    "days_equivalent": 1,
}
IMA = {"id": "G1", "kind": "interactive", "agreement": "sag-aftra-interactive"}
COMM = {"id": "AD1", "kind": "commercial", "agreement": "sag-aftra-commercials"}
NONUNION = {"id": "F9", "kind": "streaming", "agreement": "none"}
DEAD = {"date_of_birth": "1930-05-05", "deceased_on": "2020-02-02"}

CASES = [
    # -- compensation for employment-based replicas (M.4, B4.3) -------------------------
    case(
        "ebdr_same_picture_pro_rata_above_minimum",
        "SAG TVT 2023 B4.3; rules.md M.4 example",
        "Day performer at $1,500/day; replica used for scenes needing 2 days, 2025-10-01: "
        "max(1,500, 1,246) × 2.",
        covered("3000.00", compensation_rules=["B4.3"]),
        performer={"pro_rata_daily_rate": "1500"},
    ),
    case(
        "ebdr_same_picture_minimum_above_pro_rata",
        "SAG TVT 2023 B4.3; M.4 weekly example",
        "Weekly performer at $6,000/week (pro-rata $1,200): max(1,200, 1,246) × 2 = 2,492.",
        covered("2492.00", compensation_rules=["B4.3"]),
        performer={"pro_rata_daily_rate": "1200"},
    ),
    case(
        "ebdr_no_pro_rata_pays_minimum",
        "SAG TVT 2023 B4.3; D.2 2024-07-01 row",
        "No pro-rata rate recorded: the day-performer minimum in force on 2024-09-01 ($1,204) × 3.",
        covered("3612.00"),
        consents=[consent(valid_from="2024-08-01", granted_at="2024-08-01T10:00:00Z")],
        use={"date": "2024-09-01", "days_equivalent": 3},
    ),
    case(
        "ebdr_half_day_equivalent",
        "SAG TVT 2023 B4.3",
        "Good-faith estimate of half a day: 0.5 × $1,246.",
        covered("623.00"),
        use={"days_equivalent": "0.5"},
    ),
    case(
        "ebdr_before_ai_terms_effective",
        "SAG TVT 2023 status (AI terms ~2024-03-04, UNCERTAIN)",
        "Use on 2024-01-15: covered, paid at the 2023-11-09 minimum ($1,158 × 2), with a warning "
        "that the AI terms may not yet have applied.",
        covered("2316.00", warnings_contain=["90 days after ratification"]),
        consents=[consent(valid_from="2024-01-02", granted_at="2024-01-02T10:00:00Z")],
        use={"date": "2024-01-15"},
    ),
    case(
        "tvt_2026_minimum",
        "SAG TVT 2026 (3% increase; day $1,283 from 2026-07-01)",
        "Use on 2026-09-01 under the 2026 agreement: 1.5 × $1,283 = 1,924.50.",
        covered("1924.50", regimes_include=["SAG-TVT-2026"]),
        consents=[consent(valid_until="2027-06-30")],
        use={"date": "2026-09-01", "days_equivalent": "1.5"},
    ),
    case(
        "ebdr_other_picture_negotiated",
        "SAG TVT 2023 B5.1-B5.2",
        "Replica made on F0 used in F1 under a new consent for F1 at $2,000/day × 2.",
        covered("4000.00", compensation_rules=["B5.2"]),
        consents=[
            consent(
                created_for_production_id="F0", compensation={"basis": "per_day", "amount": "2000"}
            )
        ],
    ),
    # -- exemptions (B4.2, B7.1, B7.2, IMA E2) ------------------------------------------------
    case(
        "ebdr_substantially_as_scripted",
        "SAG TVT 2023 B4.2",
        "Photography remains substantially as scripted and performed: no consent, no pay.",
        exempt("B4.2"),
        consents=[],
        use={"substantially_as_scripted": True},
    ),
    case(
        "alteration_cosmetic_exempt",
        "SAG TVT 2023 B7.2 (machine form: listed purpose and substantially as recorded)",
        "Cosmetic digital alteration of recorded footage that stays as recorded: no consent.",
        exempt("B7.2"),
        consents=[],
        use={
            "replica_kind": "digital_alteration",
            "alteration": "cosmetic",
            "substantially_as_scripted": True,
        },
    ),
    case(
        "alteration_dialogue_adjustment_exempt",
        "SAG TVT 2023 B7.2",
        "An adjustment in dialogue is a listed purpose; the result stays as recorded.",
        exempt("B7.2"),
        consents=[],
        use={
            "replica_kind": "digital_alteration",
            "alteration": "dialogue",
            "substantially_as_scripted": True,
        },
    ),
    case(
        "alteration_substantially_as_recorded",
        "SAG TVT 2023 B7.1-B7.2 (machine form: a listed purpose and as recorded)",
        "An alteration with no listed purpose, though substantially as recorded: as "
        "recorded alone does not exempt it; no consent, not covered.",
        not_covered("B2.1"),
        consents=[],
        use={"replica_kind": "digital_alteration", "substantially_as_scripted": True},
    ),
    case(
        "alteration_needs_consent_and_pays_terms",
        "SAG TVT 2023 B7.1",
        "A material alteration (not listed, not as recorded) with a consent paying $500 flat.",
        covered("500.00"),
        consents=[
            consent(
                replica_kind="digital_alteration", compensation={"basis": "flat", "amount": "500"}
            )
        ],
        use={"replica_kind": "digital_alteration"},
    ),
    case(
        "alteration_without_consent",
        "SAG TVT 2023 B7.1",
        "A material alteration with no consent on file.",
        not_covered("B2.1", reason_messages=["no consent"]),
        consents=[],
        use={"replica_kind": "digital_alteration"},
    ),
    case(
        "ima_processing_practice_exempt",
        "SAG IMA 2025 E2",
        "Noise reduction is a processing practice under the interactive agreement.",
        exempt("E2"),
        production=IMA,
        consents=[],
        use={
            "production_id": "G1",
            "replica_kind": "digital_alteration",
            "alteration": "noise_reduction",
        },
    ),
    # -- background actors (B8) and the 2023 scenario ------------------------------------------
    case(
        "background_scan_day_general",
        "SAG TVT 2023 B8.2; D.2 2024-07-01",
        "A background actor called only to be scanned is paid a full day: $216.",
        covered("216.00", compensation_rules=["B8.2"]),
        performer=BG,
        consents=[
            consent(**BG_CONSENT, valid_from="2024-07-15", granted_at="2024-07-15T08:00:00Z")
        ],
        use={**BG_SCAN, "date": "2024-08-01"},
    ),
    case(
        "background_scan_day_special_ability",
        "SAG TVT 2023 B8.2; D.2 2025-07-01",
        "Special-ability background scan day on 2025-09-01: $236.",
        covered("236.00"),
        performer={"category": "special_ability_background"},
        consents=[consent(**BG_CONSENT)],
        use={**BG_SCAN, "date": "2025-09-01"},
    ),
    case(
        "stand_in_scan_day",
        "SAG TVT 2023 B8.2; D.2 2023-11-09 (stand-in $243, SECONDARY)",
        "Stand-in scanned on 2023-12-01: $243.",
        covered("243.00"),
        performer={"category": "stand_in"},
        consents=[
            consent(**BG_CONSENT, valid_from="2023-11-20", granted_at="2023-11-20T08:00:00Z")
        ],
        use={**BG_SCAN, "date": "2023-12-01"},
    ),
    case(
        "background_2023_scenario_other_production",
        "SAG TVT 2023 B2.5, B5.1, B8.5",
        "The 2023 scenario: scanned once for F1; the studio wants the replica in F2. The F1 "
        "consent does not reach F2.",
        not_covered("B2.5/B5.1", reason_messages=["covers production F1, not F2"]),
        performer=BG,
        consents=[consent(**BG_CONSENT)],
        use={
            "production_id": "F2",
            "replica_kind": "background",
            "modalities": ["face", "body"],
            "purpose": "create background replica",
            "scenes": ["12"],
            "background_headcount_met": True,
        },
    ),
    case(
        "background_2023_scenario_new_consent_as_principal",
        "SAG TVT 2023 B8.3, B5.1",
        "Same replica, now with a consent for F2, used in a principal role for 3 days on "
        "2025-02-01: principal rate $1,204 × 3.",
        covered("3612.00", consent_id="C2", compensation_rules=["B8.3"]),
        performer=BG,
        consents=[
            consent(**BG_CONSENT),
            consent(
                **{
                    **BG_CONSENT,
                    "description": {
                        "purpose": "portray a principal role",
                        "scenes": ["5"],
                        "character": "Station guard",
                        "project": "Second Film",
                    },
                },
                id="C2",
                production_id="F2",
                created_for_production_id="F1",
                valid_from="2025-01-10",
                granted_at="2025-01-10T09:00:00Z",
            ),
        ],
        use={
            "production_id": "F2",
            "replica_kind": "background",
            "modalities": ["face", "body"],
            "purpose": "portray a principal role",
            "scenes": ["5"],
            "date": "2025-02-01",
            "days_equivalent": 3,
            "as_principal": True,
            "background_headcount_met": True,
        },
    ),
    case(
        "background_use_without_terms",
        "SAG TVT 2023 B8.4-B8.5",
        "Background replica used as background in its own production: covered; no formula pays "
        "it, so the engine asks for the bargained terms.",
        covered("0.00", warnings_contain=["records no amount"]),
        performer=BG,
        consents=[consent(**BG_CONSENT)],
        use={
            "replica_kind": "background",
            "modalities": ["face"],
            "purpose": "create background replica",
            "scenes": ["12"],
            "background_headcount_met": True,
        },
    ),
    case(
        "background_headcount_not_met",
        "SAG TVT 2023 B8.4",
        "Replicas may not stand in for the background actors the production must engage.",
        not_covered("B8.4"),
        performer=BG,
        consents=[consent(**BG_CONSENT)],
        use={
            "replica_kind": "background",
            "modalities": ["face"],
            "purpose": "create background replica",
            "scenes": ["12"],
            "background_headcount_met": False,
        },
    ),
    case(
        "background_headcount_not_attested",
        "SAG TVT 2023 B8.4",
        "No headcount attestation: covered, with a warning.",
        covered("0.00", warnings_contain=["headcount"]),
        performer=BG,
        consents=[consent(**BG_CONSENT)],
        use={
            "replica_kind": "background",
            "modalities": ["face"],
            "purpose": "create background replica",
            "scenes": ["12"],
        },
    ),
    case(
        "principal_creation_day",
        "SAG TVT 2023 B3.4 (UNCERTAIN)",
        "A principal scanned on a non-work day, 2024-08-05, pro-rata $900: paid the $1,204 "
        "minimum, with a warning that the rule is unverified.",
        covered("1204.00", warnings_contain=["creation-day pay"]),
        performer={"pro_rata_daily_rate": "900"},
        consents=[
            consent(
                description={"purpose": "create employment replica"},
                valid_from="2024-08-01",
                granted_at="2024-08-01T08:00:00Z",
            )
        ],
        use={
            "creation": True,
            "purpose": "create employment replica",
            "date": "2024-08-05",
            "scenes": [],
            "days_equivalent": 1,
        },
    ),
    # -- independently created replicas (B6) ---------------------------------------------------
    case(
        "icdr_flat_terms",
        "SAG TVT 2023 B6.1-B6.2",
        "An independently created replica, freely bargained at $20,000.",
        covered("20000.00", compensation_rules=["B6.2"]),
        consents=[
            consent(
                replica_kind="independently_created",
                compensation={"basis": "flat", "amount": "20000"},
            )
        ],
        use={"replica_kind": "independently_created"},
    ),
    case(
        "icdr_below_reported_floor",
        "SAG TVT 2023 B6.2; 2026 C5 floor (UNCERTAIN)",
        "$500 for 2 day-equivalents is below the reported day-performer floor: covered with a "
        "warning.",
        covered("500.00", warnings_contain=["below the day-performer minimum"]),
        consents=[
            consent(
                replica_kind="independently_created",
                compensation={"basis": "flat", "amount": "500"},
            )
        ],
        use={"replica_kind": "independently_created"},
    ),
    # -- scope (B2.4, B2.5) -----------------------------------------------------------------
    case(
        "modality_not_consented",
        "SAG TVT 2023 B2.1",
        "The consent covers face and body; the use adds the voice.",
        not_covered("B2.1", reason_messages=["does not cover voice"]),
        use={"modalities": ["face", "voice"]},
    ),
    case(
        "scene_outside_consent",
        "SAG TVT 2023 B2.4",
        "Scene 99 was never described.",
        not_covered("B2.4", reason_messages=["scenes 99 are outside the scenes of consent C1"]),
        use={"scenes": ["42", "99"]},
    ),
    case(
        "purpose_mismatch",
        "SAG TVT 2023 B2.4, B6.1 (no scenes: the use names a consented purpose)",
        "A consent listing no scenes, for the opening narration; the use relies on a trailer "
        "purpose it does not list.",
        not_covered("B2.4", reason_messages=["does not list"]),
        consents=[
            consent(
                replica_kind="independently_created",
                description={"scenes": [], "purpose": "voice the opening narration"},
                compensation={"basis": "flat", "amount": "3000"},
            )
        ],
        use={"replica_kind": "independently_created", "purpose": "promotional trailer"},
    ),
    case(
        "replica_kind_mismatch",
        "SAG TVT 2023 B1",
        "A consent for an employment-based replica does not cover an independently created one.",
        not_covered("B1"),
        use={"replica_kind": "independently_created"},
    ),
    # -- term, revocation, suspension (M.3) ------------------------------------------------------
    case(
        "revoked_before_use",
        "M.3 revocation; SAG TVT 2023 B2.9",
        "Revoked on 2025-09-15; use on 2025-10-01.",
        not_covered("B2.9", reason_messages=["revoked on 2025-09-15"]),
        consents=[consent(revoked_at="2025-09-15")],
    ),
    case(
        "revoked_after_use",
        "M.3 revocation",
        "Revoked on 2025-11-01, after the 2025-10-01 use: the use stays covered.",
        covered("2492.00"),
        performer={"pro_rata_daily_rate": "1200"},
        consents=[consent(revoked_at="2025-11-01")],
    ),
    case(
        "expired",
        "M.3 term",
        "The consent ended on 2025-09-30.",
        not_covered("B2.9", reason_messages=["expired on 2025-09-30"]),
        consents=[consent(valid_until="2025-09-30")],
    ),
    case(
        "use_before_term",
        "M.3 term",
        "The consent starts on 2025-11-01; the use is on 2025-10-01.",
        not_covered("B2.9", reason_messages=["before consent C1 starts"]),
        consents=[consent(valid_from="2025-11-01")],
    ),
    case(
        "ima_strike_suspension",
        "SAG IMA 2025 E6",
        "The performer suspended consent during a strike; the use falls inside it.",
        not_covered("E6", reason_messages=["suspended from 2025-09-20"]),
        production=IMA,
        consents=[consent(production_id="G1", suspended=[{"from": "2025-09-20"}])],
        use={"production_id": "G1"},
    ),
    case(
        "tvt_2026_strike",
        "SAG TVT 2026 C2",
        "A replica may not cross a picket line.",
        not_covered("C2"),
        consents=[consent(valid_until="2027-06-30")],
        use={"date": "2026-09-01", "strike_in_effect": True},
    ),
    # -- form and specificity (B2.2-B2.4; IMA E3; Commercials F1-F3) -----------------------------
    case(
        "not_signed_separately",
        "SAG TVT 2023 B2.2-B2.3",
        "Consent buried in the standard terms: not a separately signed writing.",
        not_covered("B2.3", reason_messages=["not a separately signed writing"]),
        consents=[consent(signed_separately=False)],
    ),
    case(
        "not_clear_and_conspicuous",
        "SAG TVT 2023 B2.3",
        "Not attested clear and conspicuous.",
        not_covered("B2.3"),
        consents=[consent(clear_and_conspicuous=False)],
    ),
    case(
        "catch_all_any_and_all_uses",
        "SAG TVT 2023 B2.4",
        '"Any and all uses" is not a specific description.',
        not_covered("B2.4", reason_messages=["'any and all'"]),
        consents=[consent(description={"purpose": "any and all uses"})],
        use={"purpose": "any and all uses"},
    ),
    case(
        "catch_all_media_and_perpetuity",
        "SAG TVT 2023 B2.4",
        '"All media now known or hereafter devised", "throughout the universe in perpetuity".',
        not_covered("B2.4", reason_messages=["catch-all"]),
        consents=[
            consent(
                description={
                    "media": ["all media now known or hereafter devised"],
                    "territory": "throughout the universe in perpetuity",
                }
            )
        ],
    ),
    case(
        "empty_scene_list",
        "SAG TVT 2023 B2.4",
        "An employment-based replica consent that lists no scenes.",
        not_covered("B2.4", reason_messages=["must list its scenes"]),
        consents=[consent(description={"scenes": []})],
    ),
    case(
        "commercial_notice_too_short",
        "SAG Commercials 2025 F1-F2",
        "Consent signed 24 hours before the services.",
        not_covered("F1/F2", reason_messages=["less than 48 hours"]),
        production=COMM,
        consents=[
            consent(production_id="AD1", granted_at="2025-09-30T00:00:00Z", valid_from="2025-09-30")
        ],
        use={"production_id": "AD1"},
    ),
    case(
        "commercial_per_day_terms",
        "SAG Commercials 2025 F3; F9 (UNCERTAIN, not applied)",
        "Consent by rider five days ahead, $900 per day × 2.",
        covered("1800.00"),
        production=COMM,
        consents=[
            consent(
                production_id="AD1",
                granted_at="2025-09-26T09:00:00Z",
                valid_from="2025-09-26",
                compensation={"basis": "per_day", "amount": "900"},
            )
        ],
        use={"production_id": "AD1"},
    ),
    case(
        "ima_real_time_generation_not_in_consent",
        "SAG IMA 2025 E5 (UNCERTAIN)",
        "An NPC voiced in real time, a use the consent does not mention: warning only.",
        covered("7500.00", warnings_contain=["real-time generation"]),
        production=IMA,
        consents=[
            consent(
                production_id="G1",
                modalities=["voice"],
                description={"purpose": "voice the character"},
                compensation={"basis": "flat", "amount": "7500"},
            )
        ],
        use={
            "production_id": "G1",
            "modalities": ["voice"],
            "purpose": "voice the character",
            "real_time_generation": True,
        },
    ),
    # -- who may consent (B2.7-B2.8; CA Civ 3344.1) ----------------------------------------------
    case(
        "not_granted",
        "SAG TVT 2023 B2.1",
        "Requested, never granted.",
        not_covered("B2.1", reason_messages=["has not been granted"]),
        consents=[consent(granted_by=None, granted_at=None)],
    ),
    case(
        "granted_after_use",
        "SAG TVT 2023 B2.1",
        "Granted on 2025-10-05 for a use on 2025-10-01.",
        not_covered("B2.1", reason_messages=["after the use"]),
        consents=[consent(granted_at="2025-10-05T09:00:00Z")],
    ),
    case(
        "estate_for_living_performer",
        "SAG TVT 2023 B2.7",
        "An estate cannot consent for a living performer.",
        not_covered("B2.7", reason_messages=["only the performer may consent"]),
        consents=[consent(granted_by="estate")],
    ),
    case(
        "deceased_estate_in_california",
        "SAG TVT 2023 B2.7; Cal. Civ. Code §3344.1",
        "Deceased performer; the estate consents; California nexus.",
        covered("2492.00", regimes_include=["CA-CIV-3344.1"]),
        performer={**DEAD, "pro_rata_daily_rate": "1000"},
        production={"jurisdiction": "US-CA"},
        consents=[consent(granted_by="estate")],
    ),
    case(
        "deceased_union_in_california",
        "Cal. Civ. Code §3344.1; M.6 #5",
        "The union's consent does not replace the statutory right holder's in California.",
        not_covered("3344.1"),
        performer=DEAD,
        production={"jurisdiction": "US-CA"},
        consents=[consent(granted_by="union")],
    ),
    case(
        "deceased_union_no_state_nexus",
        "SAG TVT 2023 B2.7",
        "Union consent for a deceased performer, valid only if no representative can be found: "
        "covered with a warning.",
        covered("2492.00", warnings_contain=["no representative"]),
        performer=DEAD,
        consents=[consent(granted_by="union")],
    ),
    case(
        "consent_given_in_life",
        "SAG TVT 2023 B2.8 (UNCERTAIN)",
        "Consent signed by the performer in 2025-08, who died 2025-09-01.",
        covered("2492.00", warnings_contain=["given in life"]),
        performer={"deceased_on": "2025-09-01"},
    ),
    case(
        "minor_sexual_content_2026",
        "rules.md M.3 (never a minor and nudity: 'TVT 2026, plus general law'); TVT 2026 C3",
        "A 16-year-old's replica in a nude scene, consented by a parent: no consent can "
        "cover it (and the C3 warning).",
        not_covered("M.3", reason_messages=["minor"], warnings_contain=["minor's replica"]),
        performer={"date_of_birth": "2010-03-03"},
        consents=[consent(valid_until="2027-06-30", granted_by="parent_or_guardian")],
        use={"date": "2026-09-01", "days_equivalent": "1.5", "sexual_or_nude": True},
    ),
    # -- statutes without a union agreement ---------------------------------------------------
    case(
        "nonunion_policy_flat_terms",
        "Likeness Ledger policy (M.3 fail-closed baseline)",
        "No agreement, no statute: a specific, separately signed consent paying $1,000.",
        covered("1000.00"),
        production=NONUNION,
        consents=[consent(production_id="F9", compensation={"basis": "flat", "amount": "1000"})],
        use={"production_id": "F9"},
    ),
    case(
        "california_927_unrepresented_catch_all",
        "Cal. Labor Code §927(a)",
        "Non-union California production, no counsel, catch-all description.",
        not_covered("§927", reason_messages=["unenforceable"]),
        production={**NONUNION, "jurisdiction": "US-CA"},
        consents=[consent(production_id="F9", description={"media": ["any media"]})],
        use={"production_id": "F9"},
    ),
    case(
        "new_york_counsel_specific",
        "N.Y. GOL §5-302",
        "Non-union New York production, counsel-negotiated, specific: covered.",
        covered("1200.00", regimes_include=["NY-GOL-5-302"]),
        production={**NONUNION, "jurisdiction": "US-NY"},
        consents=[
            consent(
                production_id="F9",
                representation="counsel",
                compensation={"basis": "per_day", "amount": "600"},
            )
        ],
        use={"production_id": "F9"},
    ),
    case(
        "illinois_bipa_no_term",
        "740 ILCS 14/15(b)(2)",
        "A scan in Illinois (a face-geometry collection) under a consent with no length of term.",
        not_covered("15(b)(2)"),
        production={"jurisdiction": "US-IL"},
        consents=[consent(valid_until=None)],
        use={"creation": True, "scenes": [], "notice_at": "2025-09-20T09:00:00Z"},
    ),
    case(
        "eu_distribution_disclosure",
        "EU AI Act Art. 50(4); M.6 #4",
        "Covered, and the EU release must carry a deep-fake disclosure.",
        covered("2566.00", warnings_contain=["disclose"], regimes_include=["EU-AIA-50"]),
        consents=[consent(valid_until="2027-06-30")],
        use={"date": "2026-09-01", "days_equivalent": 2, "distribution": ["US", "FR"]},
    ),
    case(
        "nofakes_term_cap_warning",
        "NO FAKES Act (bill) §2(b)(2)(B)",
        "A non-union 12-year licence: valid, with a warning about the bill's 10-year cap.",
        covered("1000.00", warnings_contain=["10-year cap"]),
        production=NONUNION,
        consents=[
            consent(
                production_id="F9",
                valid_until="2037-08-10",
                compensation={"basis": "flat", "amount": "1000"},
            )
        ],
        use={"production_id": "F9"},
    ),
    # -- choosing among consents ----------------------------------------------------------------
    case(
        "no_consent_on_file",
        "SAG TVT 2023 B2.1",
        "Nothing on file.",
        not_covered("B2.1", reason_messages=["no consent"]),
        consents=[],
    ),
    case(
        "second_consent_covers",
        "M.3 best matching consent",
        "C1 was revoked; C2, for the same use, covers it.",
        covered("2492.00", consent_id="C2"),
        performer={"pro_rata_daily_rate": "1200"},
        consents=[consent(revoked_at="2025-09-01"), consent(id="C2")],
    ),
]

# -- issue 13: a use within the description (B2.4, B2.9) ----------------------------------
NARRATION = {
    "scenes": [],
    "purposes": ["voice the opening narration", "voice the trailer narration"],
}
ICDR_NARRATION = dict(
    replica_kind="independently_created",
    description=NARRATION,
    compensation={"basis": "flat", "amount": "3000"},
)
ICDR_USE = {"replica_kind": "independently_created", "scenes": []}
DEAD_CA = {**DEAD, "domicile": "US-CA"}
BG_2025 = {
    **BG_SCAN,
    "date": "2025-09-01",
    "services_at": "2025-09-01T09:00:00Z",
    "engaged_at": "2025-08-20T09:00:00Z",
}
COMM_FUTURE = dict(
    production_id="AD1",
    granted_at="2025-09-01T09:00:00Z",
    valid_from="2025-09-01",
    valid_until="2027-12-31",
    max_period_of_use_ends="2027-06-30",
    compensation={"basis": "flat", "amount": "2500"},
    description={"advertiser": "Acme Foods", "product_line": "Crunch cereal"},
)
COMM_FUTURE_USE = {
    "production_id": "AD1",
    "new_commercial": True,
    "advertiser": "Acme Foods",
    "product_line": "Crunch cereal",
    "date": "2026-03-01",
}
IMA_RTG = dict(
    production_id="G1",
    modalities=["voice"],
    real_time_generation=True,
    description={"purpose": "voice the character"},
)
IMA_RTG_USE = {
    "production_id": "G1",
    "modalities": ["voice"],
    "purpose": "voice the character",
    "real_time_generation": True,
    "scenes": ["42"],
}

CASES += [
    case(
        "within_scene_subset_wording_differs",
        "SAG TVT 2023 B2.4 (a use within the reasonably specific description); B4.3",
        "Consent for 'complete the night exterior scenes 12 and 14 after the performer's "
        "wrap'; the use is scene 12 described in other words: within. 1 × $1,246.",
        covered("1246.00", compensation_rules=["B4.3"]),
        consents=[
            consent(
                description={
                    "purposes": [
                        "complete the night exterior scenes 12 and 14 after the performer's wrap"
                    ],
                    "scenes": ["12", "14"],
                }
            )
        ],
        use={
            "scenes": ["scene 12"],
            "purpose": "",
            "note": "complete night exterior scene 12",
            "days_equivalent": 1,
        },
    ),
    case(
        "within_picked_purpose_note_differs",
        "SAG TVT 2023 B2.4, B6.1-B6.2 (no scenes: the use names a consented purpose)",
        "No scenes listed; the use relies on the second consented purpose and its note says "
        "it otherwise: covered at the bargained $3,000 flat.",
        covered("3000.00", compensation_rules=["B6.2"]),
        consents=[consent(**ICDR_NARRATION)],
        use={
            **ICDR_USE,
            "purpose": "voice the trailer narration",
            "note": "Trailer VO, second pass (reshoot)",
        },
    ),
    case(
        "use_names_no_consented_purpose",
        "SAG TVT 2023 B2.4 (no scenes: a use must name the purpose it relies on)",
        "No scenes on either side and no purpose named: not covered, with what to add.",
        not_covered("B2.4", reason_messages=["name the consented purpose"]),
        consents=[consent(**ICDR_NARRATION)],
        use={**ICDR_USE, "purpose": "", "note": "trailer VO"},
    ),
    case(
        "use_lists_no_scenes_under_scene_consent",
        "SAG TVT 2023 B2.4 (scenes)",
        "The consent is for scenes 42-44; the use lists none: not covered, list them.",
        not_covered("B2.4", reason_messages=["list the scenes"]),
        use={"scenes": []},
    ),
    case(
        "use_character_outside",
        "SAG TVT 2023 B2.4 (character)",
        "The consent is for Dr. Vale; the use portrays another character.",
        not_covered("B2.4", reason_messages=["portrays 'Nurse Ames'"]),
        use={"character": "Nurse Ames"},
    ),
    case(
        "use_medium_outside",
        "SAG TVT 2023 B2.4 (media)",
        "The consent is for theatrical release and streaming; the use is a video game.",
        not_covered("B2.4", reason_messages=["medium video game is outside"]),
        use={"media": ["video game"]},
    ),
    case(
        "use_territory_outside",
        "SAG TVT 2023 B2.4 (territory)",
        "Consented for the United States and Canada; distributed in France too.",
        not_covered("B2.4", reason_messages=["FR is outside the territory"]),
        consents=[consent(description={"territory": "United States and Canada"})],
        use={"distribution": ["US", "FR"]},
    ),
    case(
        "use_territory_within",
        "SAG TVT 2023 B2.4 (territory); B4.3",
        "Consented for the United States and Canada; distributed in California and Canada: "
        "2 × $1,246.",
        covered("2492.00"),
        consents=[consent(description={"territory": "United States and Canada"})],
        use={"distribution": ["US-CA", "CA"]},
    ),
    case(
        "territory_unread_warns",
        "SAG TVT 2023 B2.4 (territory); 'uncertain: warn, never decide'",
        "A territory no rule can read ('the Americas'): covered on the rest, with a warning "
        "to check by hand. 2 × $1,246.",
        covered("2492.00", warnings_contain=["could not be read"]),
        consents=[consent(description={"territory": "the Americas"})],
        use={"distribution": ["US"]},
    ),
    # -- regimes stack; the strictest decides (M.6) ----------------------------------------
    case(
        "scripted_exemption_does_not_waive_3344_1",
        "SAG TVT 2023 B4.2; Cal. Civ. Code §3344.1 (AB 1836); rules.md M.6",
        "A deceased California performer's replica, substantially as scripted: the contract "
        "waives its consent, the statute does not. No consent: not covered.",
        not_covered("3344.1", warnings_contain=["waives only its own regime"]),
        performer=DEAD_CA,
        consents=[],
        use={"substantially_as_scripted": True},
    ),
    case(
        "scripted_with_estate_consent_pays_its_terms",
        "SAG TVT 2023 B4.2 (no contract pay); Cal. Civ. Code §3344.1",
        "As above, with the estate's consent at $10,000 flat: covered; the contract's B4.3 "
        "pay is waived with its consent, the estate's terms are owed.",
        covered("10000.00", regimes_include=["CA-CIV-3344.1"]),
        performer=DEAD_CA,
        consents=[consent(granted_by="estate", compensation={"basis": "flat", "amount": "10000"})],
        use={"substantially_as_scripted": True},
    ),
    case(
        "scripted_documentary_exempt_under_both",
        "SAG TVT 2023 B4.2; Cal. Civ. Code §3344.1 (AB 1836 exceptions: documentary)",
        "Substantially as scripted, and an attested documentary: every regime exempts it.",
        exempt("B4.2", "AB 1836"),
        performer=DEAD_CA,
        consents=[],
        use={"substantially_as_scripted": True, "expressive_use": "documentary"},
    ),
    case(
        "documentary_exception_does_not_waive_the_contract",
        "Cal. Civ. Code §3344.1 (AB 1836 exceptions); SAG TVT 2023 B2.1; M.6",
        "An attested documentary exempts the statute only: the contract still needs consent.",
        not_covered("B2.1", warnings_contain=["waives only its own regime"]),
        performer=DEAD_CA,
        consents=[],
        use={"expressive_use": "documentary"},
    ),
    case(
        "3344_1_seventy_years_to_the_day",
        "Cal. Civ. Code §3344.1 (70 years after death, from the date of death)",
        "Died 1955-10-02; a use on 2025-10-02 is within the 70 years: consent needed.",
        not_covered("3344.1", regimes_include=["CA-CIV-3344.1"]),
        performer={"date_of_birth": "1920-01-01", "deceased_on": "1955-10-02", "domicile": "US-CA"},
        production={**NONUNION, "jurisdiction": "US-CA"},
        consents=[],
        use={"production_id": "F9", "date": "2025-10-02"},
    ),
    case(
        "3344_1_seventy_years_and_a_day",
        "Cal. Civ. Code §3344.1 (70 years after death, from the date of death)",
        "A use on 2025-10-03 is a day past the 70 years: the statute no longer applies "
        "(Likeness Ledger policy still asks for consent).",
        not_covered("Likeness Ledger policy", regimes_exclude=["CA-CIV-3344.1"]),
        performer={"date_of_birth": "1920-01-01", "deceased_on": "1955-10-02", "domicile": "US-CA"},
        production={**NONUNION, "jurisdiction": "US-CA"},
        consents=[],
        use={"production_id": "F9", "date": "2025-10-03"},
    ),
    case(
        "commentary_is_not_a_3344_1_exception",
        "Cal. Civ. Code §3344.1 (AB 1836 exceptions)",
        "Commentary is not among the statute's exceptions: consent still needed.",
        not_covered("3344.1", warnings_contain=["not one of the statute's exceptions"]),
        performer=DEAD_CA,
        production={**NONUNION, "jurisdiction": "US-CA"},
        consents=[],
        use={"production_id": "F9", "expressive_use": "commentary"},
    ),
    # -- listed alterations and processing practices ------------------------------------
    case(
        "listed_alteration_not_as_recorded",
        "SAG TVT 2023 B7.2 machine form (listed purpose and substantially as recorded)",
        "A cosmetic alteration that does not leave the footage as recorded needs consent.",
        not_covered("B2.1"),
        consents=[],
        use={"replica_kind": "digital_alteration", "alteration": "cosmetic"},
    ),
    case(
        "alteration_adding_nudity_never_exempt",
        "SAG TVT 2023 B7.1-B7.2",
        "An alteration attested as cosmetic and as recorded that adds nudity is never exempt.",
        not_covered("B2.1"),
        consents=[],
        use={
            "replica_kind": "digital_alteration",
            "alteration": "cosmetic",
            "substantially_as_scripted": True,
            "sexual_or_nude": True,
        },
    ),
    case(
        "character_rigging_not_a_listed_alteration",
        "SAG TVT 2023 B7.2 (the list); IMA E2 is another agreement",
        "Character rigging is not a listed TV/Theatrical alteration purpose: consent needed.",
        not_covered("B2.1"),
        consents=[],
        use={
            "replica_kind": "digital_alteration",
            "alteration": "character_rigging",
            "substantially_as_scripted": True,
        },
    ),
    case(
        "ima_timing_is_not_a_processing_practice",
        "SAG IMA 2025 E2 (noise reduction, pitch adjustment, character rigging)",
        "Retiming is not one of the listed processing practices: consent needed.",
        not_covered("E3"),
        production=IMA,
        consents=[],
        use={"production_id": "G1", "replica_kind": "digital_alteration", "alteration": "timing"},
    ),
    case(
        "ima_character_rigging_processing_practice",
        "SAG IMA 2025 E2",
        "Character rigging is a listed processing practice: no consent needed.",
        exempt("E2"),
        production=IMA,
        consents=[],
        use={
            "production_id": "G1",
            "replica_kind": "digital_alteration",
            "alteration": "character_rigging",
        },
    ),
    # -- catch-alls by meaning -----------------------------------------------------------
    case(
        "catch_all_any_lawful_purpose",
        "SAG TVT 2023 B2.4; rules.md B.2 (generic descriptions are rejected)",
        "'for any lawful purpose in connection with the picture' is a catch-all.",
        not_covered("B2.4", reason_messages=["catch-all"]),
        consents=[
            consent(
                description={"purposes": ["for any lawful purpose in connection with the picture"]}
            )
        ],
    ),
    case(
        "title_forever_young_is_specific",
        "SAG TVT 2023 B2.4; B4.3",
        "A film titled 'Forever Young' is a title, not a catch-all: 2 × $1,246.",
        covered("2492.00"),
        consents=[consent(description={"project": "Forever Young (feature film)"})],
    ),
    # -- inputs and arithmetic -----------------------------------------------------------
    case(
        "revocation_same_instant_other_offset",
        "M.3 (not revoked by the date of use); instants compared in UTC",
        "Revoked at 01:00+09:00 on 2025-10-02, which is 16:00Z on 2025-10-01, the day of use.",
        not_covered("B2.9", reason_messages=["revoked on 2025-10-01"]),
        consents=[consent(revoked_at="2025-10-02T01:00:00+09:00")],
    ),
    case(
        "days_equivalent_zero_pays_nothing",
        "SAG TVT 2023 B4.3",
        "A use the producer estimates at 0 days of work: covered, 0 × $1,246 = 0.",
        covered("0.00"),
        use={"days_equivalent": 0},
    ),
    case(
        "commercials_after_term_warns",
        "SAG Commercials 2025 (three years, to 2028-03-31)",
        "A use on 2028-05-01 after the agreement ended: its terms are not applied, a warning "
        "asks for the successor's; the consent's $1,500 flat is owed.",
        covered(
            "1500.00",
            warnings_contain=["no successor agreement"],
            regimes_exclude=["SAG-COMM-2025"],
        ),
        production=COMM,
        consents=[
            consent(
                production_id="AD1",
                granted_at="2028-03-01T09:00:00Z",
                valid_from="2028-03-01",
                valid_until="2028-12-31",
                compensation={"basis": "flat", "amount": "1500"},
            )
        ],
        use={"production_id": "AD1", "date": "2028-05-01"},
    ),
    case(
        "tvt_2026_after_term_warns",
        "SAG TVT 2026 (to 2030-06-30)",
        "A use on 2030-08-01 after the 2026 agreement: no successor is encoded; warned, and "
        "the consent's $2,000 flat is owed (no TV/Theatrical scale applied).",
        covered(
            "2000.00", warnings_contain=["no successor agreement"], regimes_exclude=["SAG-TVT-2026"]
        ),
        consents=[
            consent(valid_until="2031-06-30", compensation={"basis": "flat", "amount": "2000"})
        ],
        use={"date": "2030-08-01"},
    ),
    # -- notice (B3.1, F1) ---------------------------------------------------------------
    case(
        "scan_notice_too_late",
        "SAG TVT 2023 B3.1",
        "A background scan at 09:00Z on 2025-09-01, engaged 11 days before, told 21 hours "
        "before: not covered.",
        not_covered("B3.1", reason_messages=["less than 48 hours"]),
        performer=BG,
        consents=[consent(**BG_CONSENT)],
        use={**BG_2025, "notice_at": "2025-08-31T12:00:00Z"},
    ),
    case(
        "scan_engaged_late_told_at_engagement",
        "SAG TVT 2023 B3.1 (engaged less than 48 hours before: notice at engagement); B8.2",
        "Engaged and told 21 hours before the scan: in time. A full background day, $224.",
        covered("224.00", compensation_rules=["B8.2"]),
        performer=BG,
        consents=[consent(**BG_CONSENT)],
        use={
            **BG_2025,
            "engaged_at": "2025-08-31T12:00:00Z",
            "notice_at": "2025-08-31T12:00:00Z",
        },
    ),
    case(
        "scan_without_notice_time_warns",
        "SAG TVT 2023 B3.1; B8.2",
        "No notice time recorded: covered ($224), with a warning saying what to record.",
        covered("224.00", warnings_contain=["no notice time"], warning_rules=["B3.1"]),
        performer=BG,
        consents=[consent(**BG_CONSENT)],
        use={**BG_SCAN, "date": "2025-09-01"},
    ),
    case(
        "commercial_engaged_late_told_at_engagement",
        "SAG Commercials 2025 F1 (shorter when engaged less than 48 hours before)",
        "Engaged and told 14 hours before the services: in time. $900 per day × 2.",
        covered("1800.00"),
        production=COMM,
        consents=[
            consent(
                production_id="AD1",
                granted_at="2025-09-30T12:00:00Z",
                valid_from="2025-09-30",
                compensation={"basis": "per_day", "amount": "900"},
            )
        ],
        use={
            "production_id": "AD1",
            "engaged_at": "2025-09-30T10:00:00Z",
            "notice_at": "2025-09-30T10:00:00Z",
        },
    ),
    case(
        "commercial_told_after_engagement",
        "SAG Commercials 2025 F1",
        "Engaged 14 hours before, but told an hour after engagement: not covered.",
        not_covered("F1/F2", reason_messages=["after engagement"]),
        production=COMM,
        consents=[
            consent(production_id="AD1", granted_at="2025-09-30T12:00:00Z", valid_from="2025-09-30")
        ],
        use={
            "production_id": "AD1",
            "engaged_at": "2025-09-30T10:00:00Z",
            "notice_at": "2025-09-30T11:00:00Z",
        },
    ),
    # -- minors, BIPA, citations ---------------------------------------------------------
    case(
        "minor_own_signature_refused",
        "Likeness Ledger policy (a parent or guardian consents for a minor); rules.md Part A",
        "A 15-year-old signed their own consent: refused, a parent or guardian must.",
        not_covered("a parent or guardian consents", reason_messages=["parent or guardian"]),
        performer={"date_of_birth": "2010-03-03"},
    ),
    case(
        "parent_cannot_sign_for_an_adult",
        "Likeness Ledger policy (a parent or guardian consents for a minor)",
        "A parent signed for a 35-year-old: refused.",
        not_covered("a parent or guardian consents", reason_messages=["must consent themselves"]),
        consents=[consent(granted_by="parent_or_guardian")],
    ),
    case(
        "illinois_use_is_not_a_collection",
        "740 ILCS 14/15(b) (collection of biometric identifiers)",
        "A use in Illinois of a replica, not a scan: BIPA does not apply. 2 × $1,246.",
        covered("2492.00", regimes_exclude=["IL-BIPA"]),
        production={"jurisdiction": "US-IL"},
        consents=[consent(valid_until=None)],
    ),
    case(
        "representative_for_living_cites_signing_clause",
        "SAG TVT 2023 B2.3 (signed by the performer), not B2.7 (deceased performers)",
        "A representative signed for a living performer: covered with a warning citing the "
        "signing clause. 2 × $1,246.",
        covered("2492.00", warning_rules=["B2.3"], warning_rules_not=["B2.7"]),
        consents=[consent(granted_by="representative")],
    ),
    # -- clauses newly encoded -----------------------------------------------------------
    case(
        "tvt_2026_scan_without_business_reason",
        "SAG TVT 2026 C4 (articulable business reason)",
        "A background scan on 2026-09-01 with no business reason recorded: not covered.",
        not_covered("C4"),
        performer=BG,
        consents=[consent(**BG_CONSENT, valid_until="2027-06-30")],
        use={**BG_SCAN, "date": "2026-09-01", "notice_at": "2026-08-25T09:00:00Z"},
    ),
    case(
        "tvt_2026_scan_with_business_reason",
        "SAG TVT 2026 C4; B8.2 carried forward; D.2 2026-07-01 row",
        "The same scan with its reason: a full background day, $231.",
        covered("231.00"),
        performer=BG,
        consents=[consent(**BG_CONSENT, valid_until="2027-06-30")],
        use={
            **BG_SCAN,
            "date": "2026-09-01",
            "notice_at": "2026-08-25T09:00:00Z",
            "business_reason": "crowd plates for the stadium scene 12 need 400 extras",
        },
    ),
    case(
        "tvt_2026_dub_needs_dub_consent",
        "SAG TVT 2026 C7 (dubbing consent from 2027-07-01; trigger in conflict)",
        "A voice dubbed into Spanish on 2027-09-01 under a consent that does not cover "
        "dubbing: not covered.",
        not_covered("C7"),
        consents=[consent(modalities=["face", "body", "voice"], valid_until="2028-06-30")],
        use={"date": "2027-09-01", "modalities": ["voice"], "dubbing": True},
    ),
    case(
        "tvt_2026_dub_with_dub_consent",
        "SAG TVT 2026 C7; B4.3 carried forward; D.2 2027-07-01 row",
        "The same dub under a consent that covers dubbing: 2 × $1,321.",
        covered("2642.00"),
        consents=[
            consent(modalities=["face", "body", "voice"], valid_until="2028-06-30", dubbing=True)
        ],
        use={"date": "2027-09-01", "modalities": ["voice"], "dubbing": True},
    ),
    case(
        "commercial_future_spot_same_advertiser_within_mpu",
        "SAG Commercials 2025 F5",
        "A new spot for the same advertiser and product line, produced within the maximum "
        "period of use: covered, $2,500 flat.",
        covered("2500.00"),
        production=COMM,
        consents=[consent(**COMM_FUTURE)],
        use=COMM_FUTURE_USE,
    ),
    case(
        "commercial_future_spot_other_product_line",
        "SAG Commercials 2025 F5",
        "A new spot for another product line of the same advertiser: not covered.",
        not_covered("F5"),
        production=COMM,
        consents=[consent(**COMM_FUTURE)],
        use={**COMM_FUTURE_USE, "product_line": "Crunch granola bars"},
    ),
    case(
        "commercial_future_spot_after_mpu",
        "SAG Commercials 2025 F5",
        "A new spot produced after the maximum period of use ended: not covered.",
        not_covered("F5", reason_messages=["maximum period of use"]),
        production=COMM,
        consents=[consent(**COMM_FUTURE)],
        use={**COMM_FUTURE_USE, "date": "2027-08-01"},
    ),
    case(
        "ima_real_time_generation_floor",
        "SAG IMA 2025 E8 (real-time generation at least 7.5 × scale)",
        "Agreed $5,000 flat against a $1,000 scale: raised to 7.5 × $1,000 = $7,500.",
        covered("7500.00", compensation_rules=["E8"]),
        production=IMA,
        consents=[
            consent(**IMA_RTG, compensation={"basis": "flat", "amount": "5000", "scale": "1000"})
        ],
        use=IMA_RTG_USE,
    ),
    case(
        "ima_real_time_generation_above_floor",
        "SAG IMA 2025 E8",
        "Agreed $9,000 flat against a $1,000 scale: above the $7,500 floor, $9,000 owed.",
        covered("9000.00", compensation_rules=["E8"]),
        production=IMA,
        consents=[
            consent(**IMA_RTG, compensation={"basis": "flat", "amount": "9000", "scale": "1000"})
        ],
        use=IMA_RTG_USE,
    ),
    case(
        "synthetic_with_principal_feature_needs_consent",
        "SAG TVT 2023 B9.2",
        "A synthetic performer built with this performer's eyes and mouth, no consent.",
        not_covered("B2.1"),
        consents=[],
        use={"replica_kind": "synthetic"},
    ),
    case(
        "synthetic_consented_union_not_told",
        "SAG TVT 2023 B9.2 (consent), B9.1 (notice to the union)",
        "The performer consented at $2,000 flat; the union was not notified: covered, with "
        "the union notice as a warning.",
        covered("2000.00", warning_rules=["B9.1"], compensation_rules=["B9.2"]),
        consents=[
            consent(replica_kind="synthetic", compensation={"basis": "flat", "amount": "2000"})
        ],
        use={"replica_kind": "synthetic"},
    ),
    case(
        "ima_after_term_warns",
        "SAG IMA 2025 (through 2028; the last day taken as 2028-10-31)",
        "A game use on 2028-12-01 after the Interactive agreement: warned, its terms not "
        "applied; the consent's $4,000 flat is owed.",
        covered(
            "4000.00", warnings_contain=["no successor agreement"], regimes_exclude=["SAG-IMA-2025"]
        ),
        production=IMA,
        consents=[
            consent(
                production_id="G1",
                granted_at="2028-09-01T09:00:00Z",
                valid_from="2028-09-01",
                valid_until="2029-08-31",
                compensation={"basis": "flat", "amount": "4000"},
            )
        ],
        use={"production_id": "G1", "date": "2028-12-01"},
    ),
    case(
        "adult_nudity_needs_explicit_consent",
        "rules.md M.2 (sensitive content: an explicit opt-in); F4",
        "An adult's replica in a nude scene under a consent that does not say so: not covered.",
        not_covered("M.2", reason_messages=["does not explicitly cover nudity"]),
        use={"sexual_or_nude": True},
    ),
    case(
        "adult_nudity_explicitly_consented",
        "rules.md M.2 (explicit opt-in); B4.3",
        "The same under a consent that explicitly covers nudity: covered, 2 × $1,246.",
        covered("2492.00"),
        consents=[consent(nudity=True)],
        use={"sexual_or_nude": True},
    ),
    case(
        "parent_consent_used_after_eighteenth_birthday",
        "Likeness Ledger policy (a parent or guardian consents for a minor); NO FAKES "
        "§2(b)(2)(B)(ii) (ends at 18, a bill: warning)",
        "A parent consented at 17 (2025-08-10); the use on 2025-10-01 is after the 18th "
        "birthday (2025-09-01): covered with warnings to confirm the performer's own consent "
        "(non-union, so the bill's cap is reported). The consent's $1,000 flat.",
        covered("1000.00", warnings_contain=["they are an adult", "ending at 18"]),
        performer={"date_of_birth": "2007-09-01"},
        production={**NONUNION, "jurisdiction": "US-GA"},
        consents=[
            consent(
                production_id="F9",
                granted_by="parent_or_guardian",
                valid_until="2027-06-30",
                compensation={"basis": "flat", "amount": "1000"},
            )
        ],
        use={"production_id": "F9"},
    ),
    case(
        "ima_real_time_generation_scale_per_day",
        "SAG IMA 2025 E8 (at least 7.5 × the applicable scale, per day)",
        "Paid by the agreement's formula on a $1,000 scale, 5 days: 5 × 7.5 × $1,000.",
        covered("37500.00", compensation_rules=["E8"]),
        production=IMA,
        consents=[consent(**IMA_RTG, compensation={"basis": "scale", "scale": "1000"})],
        use={**IMA_RTG_USE, "days_equivalent": 5},
    ),
    case(
        "ima_real_time_generation_scale_zero_days",
        "SAG IMA 2025 E8; days_equivalent 0 pays nothing",
        "The same formula for a use estimated at 0 days: 0.",
        covered("0.00", compensation_rules=["E8"]),
        production=IMA,
        consents=[consent(**IMA_RTG, compensation={"basis": "scale", "scale": "1000"})],
        use={**IMA_RTG_USE, "days_equivalent": 0},
    ),
    case(
        "the_named_consent_is_tried_first",
        "M.3 (the consent the use relies on); a use refers to one consent",
        "A non-union production; two consents cover the use: C1 at $500 flat, C2 at $5,000 "
        "flat; the production names C2, so C2 covers and its $5,000 is owed.",
        covered("5000.00", consent_id="C2"),
        production=NONUNION,
        consents=[
            consent(production_id="F9", compensation={"basis": "flat", "amount": "500"}),
            consent(id="C2", production_id="F9", compensation={"basis": "flat", "amount": "5000"}),
        ],
        use={"production_id": "F9"},
        relied_on="C2",
    ),
    case(
        "another_consent_than_the_named_one_covers",
        "M.3 (best matching consent)",
        "Non-union; the production names C1, which was revoked; C2 covers, with a warning "
        "naming both. C2's $5,000.",
        covered("5000.00", consent_id="C2", warnings_contain=["names consent C1"]),
        production=NONUNION,
        consents=[
            consent(
                production_id="F9",
                revoked_at="2025-09-01",
                compensation={"basis": "flat", "amount": "500"},
            ),
            consent(id="C2", production_id="F9", compensation={"basis": "flat", "amount": "5000"}),
        ],
        use={"production_id": "F9"},
        relied_on="C1",
    ),
    case(
        "3344_1_leap_day_death_protects_through_1_march",
        "Cal. Civ. Code §3344.1 (70 years after death, to the day; a 29 February death)",
        "Died 1956-02-29; 2026 has no 29 February, so the 70 years run through 2026-03-01 "
        "(never cut short): a use that day still needs consent.",
        not_covered("3344.1", regimes_include=["CA-CIV-3344.1"]),
        performer={"date_of_birth": "1920-01-01", "deceased_on": "1956-02-29", "domicile": "US-CA"},
        production={**NONUNION, "jurisdiction": "US-CA"},
        consents=[],
        use={"production_id": "F9", "date": "2026-03-01"},
    ),
    case(
        "illinois_resident_scanned_elsewhere",
        "740 ILCS 14/15(b)(2); rules.md M.1 (capture of an Illinois resident or in Illinois)",
        "An Illinois resident scanned in California under a consent with no length of term: "
        "not covered.",
        not_covered("15(b)(2)", regimes_include=["IL-BIPA"]),
        performer={"domicile": "US-IL"},
        production={"jurisdiction": "US-CA"},
        consents=[consent(valid_until=None)],
        use={"creation": True, "scenes": [], "notice_at": "2025-09-20T09:00:00Z"},
    ),
    case(
        "tvt_before_its_first_terms_warns",
        "SAG TVT 2023 (in force from 2023-11-09); no earlier terms are encoded",
        "A use on 2023-06-01 under the TV/Theatrical agreement, before the 2023 terms: "
        "warned that no terms are encoded for that date; the consent's $1,000 flat is owed.",
        covered(
            "1000.00",
            warnings_contain=["terms are encoded for 2023-06-01"],
            regimes_exclude=["SAG-TVT-2023"],
        ),
        consents=[
            consent(
                granted_at="2023-05-01T09:00:00Z",
                valid_from="2023-05-01",
                valid_until="2023-12-31",
                compensation={"basis": "flat", "amount": "1000"},
            )
        ],
        use={"date": "2023-06-01"},
    ),
]


def main() -> None:
    from statute_cases import STATUTE_CASES  # the statutes' own cases, numbered s01...

    for old in HERE.glob("*.json"):
        old.unlink()
    numbered = [(f"{n:02d}", c) for n, c in enumerate(CASES, 1)]
    numbered += [(f"s{n:02d}", c) for n, c in enumerate(STATUTE_CASES, 1)]
    for number, (name, data) in numbered:
        path = HERE / f"{number}_{name}.json"
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(numbered)} cases")


if __name__ == "__main__":
    main()
