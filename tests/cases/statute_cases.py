"""Worked cases for the statutes encoded in issue 13 (NY Civil Rights Law 50-f, NY
Fashion Workers Act, Tennessee ELVIS Act, Illinois Digital Voice and Likeness
Protection Act). Written into this folder as ``sNN_<name>.json`` by build_cases.py.

Every expectation here was worked out by hand from shared/reference/rules.md (the
clause each case cites), never by running the engine. Totals: under
sag-aftra-tv-theatrical an employment-based use in its own picture pays
max(pro-rata, day minimum) × days (rules_constants.yaml sag_tvt_minimums_usd: $1,246
from 2025-07-01, the row in force on every such date below); under a non-union
production a covered use pays the consent's own terms.
"""

from __future__ import annotations

from typing import Any

from build_cases import DEAD, NONUNION, case, consent, covered, exempt, not_covered

# -- N.Y. Civil Rights Law §50-f (rules.md H.4 NY3) -------------------------------------
# Died 2023-03-15, domiciled in New York: within the statute (deaths on/after
# 2021-05-29) and its 40 years (to 2063-03-15).
NY_DEAD = {
    "date_of_birth": "1950-04-04",
    "deceased_on": "2023-03-15",
    "domicile": "US-NY",
    "pro_rata_daily_rate": "1000",
}
AFTER_AMENDMENT = {"date": "2026-02-02"}  # after S.8391/A.8882 (signed 2025-12-11)
# 2026-02-02 is under SAG TVT 2023 (to 2026-06-30), day minimum $1,246 (2025-07-01 row):
# max(1,000, 1,246) × 2 days = 2,492.
NY_50F_SAG_TOTAL = "2492.00"

# A non-union production with no jurisdiction, for uses 40 years on.
LATER_CONSENT = dict(
    production_id="F9",
    granted_by="union",
    granted_at="2061-05-01T09:00:00Z",
    valid_from="2061-05-01",
    valid_until="2062-05-01",
    compensation={"basis": "flat", "amount": "1000"},
)
DIED_2021_06_01 = {"date_of_birth": "1950-04-04", "deceased_on": "2021-06-01", "domicile": "US-NY"}

# -- N.Y. Fashion Workers Act (H.4 NY2) -------------------------------------------------
MODEL = {"category": "model", "domicile": "US-NY"}
FASHION = {"id": "M1", "kind": "commercial", "agreement": "none", "jurisdiction": "US-NY"}
LOOKBOOK = {
    "project": "Aurelle spring 2026 campaign",
    "character": None,
    "scenes": [],
    "purpose": "model the spring collection in online lookbook images",
    "media": ["brand website", "social media"],
    "territory": "United States",
}
FWA_CONSENT = dict(
    production_id="M1",
    replica_kind="independently_created",
    description=LOOKBOOK,
    valid_until="2026-03-31",
    compensation={"basis": "flat", "amount": "2500"},
)
FWA_USE = {
    "production_id": "M1",
    "replica_kind": "independently_created",
    "modalities": ["face", "body"],
    "scenes": [],
    "purpose": "model the spring collection in online lookbook images",
}

# -- Tennessee ELVIS Act (H.1) ----------------------------------------------------------
TENNESSEE = {"id": "T1", "kind": "streaming", "agreement": "none", "jurisdiction": "US-TN"}
TN_CONSENT = dict(production_id="T1", compensation={"basis": "flat", "amount": "3000"})
TN_USE = {"production_id": "T1"}

# -- Illinois Digital Voice and Likeness Protection Act (H.5 IL6) ------------------------
ILLINOIS = {"id": "I1", "kind": "streaming", "agreement": "none", "jurisdiction": "US-IL"}
# No territory: not a reasonably specific description.
IL_UNSPECIFIC = dict(
    production_id="I1",
    description={"territory": None},
    compensation={"basis": "flat", "amount": "1000"},
)
IL_USE = {"production_id": "I1"}

STATUTE_CASES: list[tuple[str, dict[str, Any]]] = [
    # -- N.Y. Civil Rights Law §50-f --------------------------------------------------------
    case(
        "ny_50f_estate_consent_covered",
        "N.Y. Civ. Rights Law §50-f as amended by S.8391/A.8882 (prior consent of the right "
        "holder); registration with the Secretary of State (SECONDARY)",
        "A New York performer who died in 2023; the estate consents to a reshoot by replica on "
        "2026-02-02: covered, max(1,000, 1,246) × 2 = 2,492, with the registration warning.",
        covered(
            NY_50F_SAG_TOTAL,
            regimes_include=["NY-CRL-50-F"],
            warning_rules=["§50-f (successors' registration"],
            warnings_contain=["register their claim"],
        ),
        performer=NY_DEAD,
        consents=[consent(granted_by="estate")],
        use=AFTER_AMENDMENT,
    ),
    case(
        "ny_50f_union_consent_refused",
        "N.Y. Civ. Rights Law §50-f as amended by S.8391/A.8882; rules.md M.6 #5",
        "After the amendment the union's consent does not replace the right holder's.",
        not_covered("§50-f (prior consent of the right holder", reason_messages=["union"]),
        performer=NY_DEAD,
        consents=[consent(granted_by="union")],
        use=AFTER_AMENDMENT,
    ),
    case(
        "ny_50f_union_before_amendment_warns",
        "N.Y. Civ. Rights Law §50-f before S.8391/A.8882 (disclaimer route); SAG TVT 2023 B2.7",
        "On 2025-10-01, before the amendment, a conspicuous disclaimer was the alternative to "
        "consent and is not recorded: a warning, not a refusal; the union's consent stands "
        "under B2.7 with its own warning. max(1,000, 1,246) × 2 = 2,492.",
        covered(
            NY_50F_SAG_TOTAL,
            warning_rules=["§50-f (conspicuous disclaimer"],
            warnings_contain=["disclaimer", "no representative"],
        ),
        performer=NY_DEAD,
        consents=[consent(granted_by="union")],
    ),
    case(
        "ny_50f_death_before_2021_05_29",
        "N.Y. Civ. Rights Law §50-f (deaths on/after 2021-05-29 only; SECONDARY)",
        "Died 2021-05-28: §50-f does not apply, so the union's consent stands under B2.7 with "
        "its warning. max(1,000, 1,246) × 2 = 2,492.",
        covered(
            NY_50F_SAG_TOTAL,
            regimes_exclude=["NY-CRL-50-F"],
            warnings_contain=["no representative"],
        ),
        performer={**NY_DEAD, "deceased_on": "2021-05-28"},
        consents=[consent(granted_by="union")],
        use=AFTER_AMENDMENT,
    ),
    case(
        "ny_50f_death_on_2021_05_29",
        "N.Y. Civ. Rights Law §50-f (deaths on/after 2021-05-29)",
        "Died on 2021-05-29 itself: §50-f applies and the union's consent is refused.",
        not_covered("§50-f", regimes_include=["NY-CRL-50-F"]),
        performer={**NY_DEAD, "deceased_on": "2021-05-29"},
        consents=[consent(granted_by="union")],
        use=AFTER_AMENDMENT,
    ),
    case(
        "ny_50f_not_domiciled_in_new_york",
        "N.Y. Civ. Rights Law §50-f (domiciled in New York at death)",
        "Domiciled in New Jersey at death: §50-f does not apply; union consent under B2.7 "
        "with its warning. max(1,000, 1,246) × 2 = 2,492.",
        covered(
            NY_50F_SAG_TOTAL,
            regimes_exclude=["NY-CRL-50-F"],
            warnings_contain=["no representative"],
        ),
        performer={**NY_DEAD, "domicile": "US-NJ"},
        consents=[consent(granted_by="union")],
        use=AFTER_AMENDMENT,
    ),
    case(
        "ny_50f_last_day_of_40_years",
        "N.Y. Civ. Rights Law §50-f (40 years after death; rules_constants.yaml "
        "ny_50f_postmortem_years)",
        "Died 2021-06-01; a use on 2061-06-01, the 40th anniversary, is still within the "
        "right: the union's consent is refused.",
        not_covered("§50-f", regimes_include=["NY-CRL-50-F"]),
        performer=DIED_2021_06_01,
        production=NONUNION,
        consents=[consent(**LATER_CONSENT)],
        use={"production_id": "F9", "date": "2061-06-01"},
    ),
    case(
        "ny_50f_beyond_40_years",
        "N.Y. Civ. Rights Law §50-f (40 years after death)",
        "Died 2021-06-01; on 2061-06-02 the right has ended: a non-union production pays the "
        "consent's $1,000 flat; the union's consent warns under Likeness Ledger policy.",
        covered(
            "1000.00",
            regimes_exclude=["NY-CRL-50-F"],
            warnings_contain=["no representative"],
        ),
        performer=DIED_2021_06_01,
        production=NONUNION,
        consents=[consent(**LATER_CONSENT)],
        use={"production_id": "F9", "date": "2061-06-02"},
    ),
    case(
        "ny_50f_expressive_use_not_exempt",
        "N.Y. Civ. Rights Law §50-f (no exceptions in the reference: none encoded)",
        "A documentary use attested, no consent on file: never exempted, a warning asks a "
        "person to review the statute's own exceptions.",
        not_covered(
            "B2.1",
            reason_messages=["no consent"],
            warnings_contain=["exceptions are not encoded"],
        ),
        performer=NY_DEAD,
        consents=[],
        use={**AFTER_AMENDMENT, "expressive_use": "documentary"},
    ),
    case(
        "ny_50f_as_scripted_still_needs_consent",
        "SAG TVT 2023 B4.2; N.Y. Civ. Rights Law §50-f; rules.md M.6",
        "Substantially as scripted waives the agreement's consent, not the statute's: with no "
        "consent on file the use is not covered, and the statute (not the waived agreement) "
        "is the rule cited.",
        not_covered(
            "§50-f (prior consent of the right holder",
            reason_messages=["no consent"],
            warnings_contain=["N.Y. Civ. Rights Law §50-f still requires consent"],
        ),
        performer=NY_DEAD,
        consents=[],
        use={**AFTER_AMENDMENT, "substantially_as_scripted": True},
    ),
    # -- N.Y. Fashion Workers Act --------------------------------------------------------------
    case(
        "fwa_complete_consent_covered",
        "N.Y. Fashion Workers Act (clear and conspicuous prior written consent detailing "
        "scope, purpose, rate of pay and duration; SECONDARY)",
        "A New York model's separately signed consent with scope, purpose, $2,500 flat and an "
        "end date: covered, the consent's $2,500.",
        covered("2500.00", regimes_include=["NY-FWA", "NY-GOL-5-302"]),
        performer=MODEL,
        production=FASHION,
        consents=[consent(**FWA_CONSENT)],
        use=FWA_USE,
    ),
    case(
        "fwa_no_rate_of_pay",
        "N.Y. Fashion Workers Act (rate of pay)",
        "The same consent with no compensation terms: no rate of pay, refused.",
        not_covered("N.Y. Fashion Workers Act", reason_messages=["rate of pay"]),
        performer=MODEL,
        production=FASHION,
        consents=[consent(**{**FWA_CONSENT, "compensation": None})],
        use=FWA_USE,
    ),
    case(
        "fwa_no_duration",
        "N.Y. Fashion Workers Act (duration)",
        "The same consent with no end date: no duration, refused.",
        not_covered("N.Y. Fashion Workers Act", reason_messages=["duration"]),
        performer=MODEL,
        production=FASHION,
        consents=[consent(**{**FWA_CONSENT, "valid_until": None})],
        use=FWA_USE,
    ),
    case(
        "fwa_not_clear_and_conspicuous",
        "N.Y. Fashion Workers Act (clear and conspicuous prior written consent)",
        "Not attested clear and conspicuous: refused under the Act.",
        not_covered("(clear and conspicuous prior written consent of the model)"),
        performer=MODEL,
        production=FASHION,
        consents=[consent(**FWA_CONSENT, clear_and_conspicuous=False)],
        use=FWA_USE,
    ),
    case(
        "fwa_nexus_by_domicile_no_territory",
        "N.Y. Fashion Workers Act (scope)",
        "A model domiciled in New York, production elsewhere; the consent names no territory.",
        not_covered(
            "N.Y. Fashion Workers Act",
            reason_messages=["scope (no territory)"],
            regimes_include=["NY-FWA"],
        ),
        performer=MODEL,
        production={**FASHION, "jurisdiction": None},
        consents=[consent(**{**FWA_CONSENT, "description": {**LOOKBOOK, "territory": None}})],
        use=FWA_USE,
    ),
    case(
        "fwa_representative_signature_warns",
        "N.Y. Fashion Workers Act (no consent by power of attorney: RECALLED, warning only)",
        "Signed by the model's representative: covered ($2,500 flat) with a warning.",
        covered("2500.00", warning_rules=["(no consent by power of attorney)"]),
        performer=MODEL,
        production=FASHION,
        consents=[consent(**FWA_CONSENT, granted_by="representative")],
        use=FWA_USE,
    ),
    case(
        "fwa_not_a_model",
        "N.Y. Fashion Workers Act (models only)",
        "A principal performer, not a model: the Act does not apply and a consent with no "
        "compensation terms is covered, paying nothing recorded (0.00, with a warning).",
        covered("0.00", regimes_exclude=["NY-FWA"], warnings_contain=["records no amount"]),
        performer={"domicile": "US-NY"},
        production=FASHION,
        consents=[consent(**{**FWA_CONSENT, "compensation": None})],
        use=FWA_USE,
    ),
    # -- Tennessee ELVIS Act ------------------------------------------------------------------
    case(
        "elvis_no_consent_refused",
        "ELVIS Act, Tenn. Code Ann. §47-25-1105 (authorization of the individual; SECONDARY)",
        "A Tennessee production uses a replica with no authorization on file.",
        not_covered("§47-25-1105", reason_messages=["no consent"], regimes_include=["TN-ELVIS"]),
        production=TENNESSEE,
        consents=[],
        use=TN_USE,
    ),
    case(
        "elvis_living_performer_as_scripted_exempt",
        "SAG TVT 2023 B4.2; ELVIS Act §47-25-1105 (TN5: authorization in no prescribed form)",
        "A union picture in Tennessee uses a living performer's replica substantially as "
        "scripted: the agreement exempts it, and the engagement is the statute's "
        "authorization. Exempt under both.",
        exempt("B4.2", "TN5"),
        production={"jurisdiction": "US-TN"},
        consents=[],
        use={"substantially_as_scripted": True},
    ),
    case(
        "elvis_deceased_as_scripted_needs_heirs",
        "SAG TVT 2023 B4.2; ELVIS Act §47-25-1104 (heirs for 10 years after death); M.6",
        "The same use of a performer who died 2020-02-02: the agreement exempts it, the "
        "statute still needs the heirs' authorization. No consent: not covered.",
        not_covered("§47-25-1105", warnings_contain=["waives only its own regime"]),
        performer=DEAD,
        production={"jurisdiction": "US-TN"},
        consents=[],
        use={"substantially_as_scripted": True},
    ),
    case(
        "elvis_satire_waives_the_statute_not_the_policy",
        "ELVIS Act, Tenn. Code Ann. §47-25-1107 (fair use, First Amendment and news "
        "exemptions; SECONDARY); Likeness Ledger policy (M.6: the strictest decides)",
        "A non-union satire distributed in Tennessee, attested satire: the statute asks no "
        "authorization, but with no collective agreement Likeness Ledger policy still asks "
        "for consent (as it would with no statute at all). No consent: not covered.",
        not_covered(
            "Likeness Ledger policy",
            warnings_contain=["satire", "waives only its own regime"],
        ),
        production=NONUNION,
        consents=[],
        use={"production_id": "F9", "distribution": ["US-TN"], "expressive_use": "satire"},
    ),
    case(
        "elvis_satire_under_commercials_agreement_needs_consent",
        "ELVIS Act §47-25-1107; SAG Commercials 2025 F6 (no satire exemption in the contract)",
        "The same satire under the Commercials agreement: the statute is waived, the contract "
        "is not. Not covered.",
        not_covered("F6", warnings_contain=["waives only its own regime"]),
        production={"id": "AD1", "kind": "commercial", "agreement": "sag-aftra-commercials"},
        consents=[],
        use={"production_id": "AD1", "distribution": ["US-TN"], "expressive_use": "satire"},
    ),
    case(
        "elvis_documentary_needs_review",
        "ELVIS Act, Tenn. Code Ann. §47-25-1107 (documentary not among the encoded exemptions)",
        "An attested documentary is not exempted: a warning asks for a person's review.",
        not_covered("§47-25-1105", warnings_contain=["needs a person's review"]),
        production=TENNESSEE,
        consents=[],
        use={**TN_USE, "expressive_use": "documentary"},
    ),
    case(
        "elvis_deceased_within_10_years_union_refused",
        "ELVIS Act, Tenn. Code Ann. §47-25-1104 (executors, heirs, assigns or devisees for 10 "
        "years after death; PRIMARY)",
        "Died 2020-02-02; on 2025-10-01 (within 10 years) the union's consent is not the heirs'.",
        not_covered("§47-25-1104", reason_messages=["came from the union"]),
        performer=DEAD,
        production=TENNESSEE,
        consents=[consent(**TN_CONSENT, granted_by="union")],
        use=TN_USE,
    ),
    case(
        "elvis_deceased_within_10_years_heirs_consent",
        "ELVIS Act, Tenn. Code Ann. §47-25-1104",
        "Died 2020-02-02; the estate consents: covered, the consent's $3,000 flat.",
        covered("3000.00", regimes_include=["TN-ELVIS"]),
        performer=DEAD,
        production=TENNESSEE,
        consents=[consent(**TN_CONSENT, granted_by="estate")],
        use=TN_USE,
    ),
    case(
        "elvis_deceased_beyond_10_years_warns",
        "ELVIS Act, Tenn. Code Ann. §47-25-1104 (continues while used; ends after 2 years' "
        "non-use; non-use not recorded)",
        "Died 2014-03-01; on 2025-10-01 the initial 10 years are over and the right may "
        "continue or have lapsed: the union's consent only warns. $3,000 flat.",
        covered(
            "3000.00",
            warning_rules=["§47-25-1104"],
            warnings_contain=["may continue or have lapsed"],
        ),
        performer={**DEAD, "deceased_on": "2014-03-01"},
        production=TENNESSEE,
        consents=[consent(**TN_CONSENT, granted_by="union")],
        use=TN_USE,
    ),
    case(
        "elvis_before_effective_date",
        "ELVIS Act (effective 2024-07-01; rules_constants.yaml tn_elvis_effective)",
        "A use in Tennessee on 2024-06-30, the day before the Act: not applied; $3,000 flat.",
        covered("3000.00", regimes_exclude=["TN-ELVIS"]),
        production=TENNESSEE,
        consents=[
            consent(**TN_CONSENT, valid_from="2024-06-01", granted_at="2024-06-01T09:00:00Z")
        ],
        use={**TN_USE, "date": "2024-06-30"},
    ),
    # -- Illinois Digital Voice and Likeness Protection Act ------------------------------------
    case(
        "dvlpa_unrepresented_unspecific_refused",
        "Ill. Digital Voice and Likeness Protection Act, P.A. 103-0830 (SECONDARY)",
        "Non-union Illinois production, no counsel, a description naming no territory, agreed "
        "2025-08-10: the provision is unenforceable.",
        not_covered(
            "Digital Voice and Likeness Protection Act",
            reason_messages=["unenforceable"],
            regimes_include=["IL-DVLPA"],
        ),
        production=ILLINOIS,
        consents=[consent(**IL_UNSPECIFIC)],
        use=IL_USE,
    ),
    case(
        "dvlpa_agreed_on_effective_date",
        "Ill. Digital Voice and Likeness Protection Act (effective 2024-08-09)",
        "The same consent agreed on 2024-08-09, the effective date: unenforceable.",
        not_covered("Digital Voice and Likeness Protection Act", reason_messages=["unenforceable"]),
        production=ILLINOIS,
        consents=[
            consent(**IL_UNSPECIFIC, valid_from="2024-08-09", granted_at="2024-08-09T12:00:00Z")
        ],
        use=IL_USE,
    ),
    case(
        "dvlpa_agreement_before_effective_date",
        "Ill. Digital Voice and Likeness Protection Act (agreements entered after 2024-08-09)",
        "The same consent agreed on 2024-08-08: the Act does not reach it; Likeness Ledger "
        "policy still refuses a description with no territory.",
        not_covered(
            "Likeness Ledger policy: reasonably specific description",
            regimes_exclude=["IL-DVLPA"],
        ),
        production=ILLINOIS,
        consents=[
            consent(**IL_UNSPECIFIC, valid_from="2024-08-08", granted_at="2024-08-08T12:00:00Z")
        ],
        use=IL_USE,
    ),
    case(
        "elvis_nationwide_release_reaches_tennessee",
        "ELVIS Act, Tenn. Code Ann. §47-25-1104 (heirs for 10 years after death; PRIMARY); "
        "§47-25-1105 (makes available to the public)",
        "A deceased performer (died 2020-02-02, domiciled nowhere in particular), a union "
        "picture released across the United States, the union's consent: the release reaches "
        "Tennessee, where the heirs' consent is needed. Not covered.",
        not_covered("§47-25-1104", regimes_include=["TN-ELVIS"]),
        performer=DEAD,
        consents=[consent(granted_by="union")],
        use={"distribution": ["US"]},
    ),
]
