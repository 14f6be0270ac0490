"""Region codes: ISO 3166-1 alpha-2 countries ("US", "DK"), ISO 3166-2 subdivisions
("US-CA"), and "EU" (reserved in ISO 3166 for the European Union).

A jurisdiction or distribution region that is not a code is refused with the form
expected, rather than read as "no jurisdiction" and decided under no statute.
"""

from __future__ import annotations

import re

_CODE = re.compile(r"[A-Z]{2}(-[A-Z0-9]{1,3})?")
US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "PR",
        "GU",
        "VI",
        "AS",
        "MP",
    ]
)
# Where rulebooks are encoded (docs/rules.md); other valid codes are accepted and
# decided under Likeness Ledger policy and the agreement alone.
ENCODED = ("US-CA", "US-NY", "US-IL", "US-TN", "EU", "DK")


# The 249 officially assigned ISO 3166-1 alpha-2 codes.
_ISO_3166_1 = (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN "
    "BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ "
    "DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL "
    "GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM "
    "JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME "
    "MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP "
    "NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD "
    "SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO "
    "TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
)
COUNTRIES = frozenset(_ISO_3166_1.split())
# Codes people use that ISO 3166-1 does not assign, with the one it does.
NOT_ISO = {"UK": "GB", "EL": "GR"}


def shape_problem(code: str) -> str:
    """Why ``code`` is not even shaped like a region code; "" when it is. Records read
    back from a store are held to this only: a code a later version refuses at input
    must not make older data unreadable."""
    if _CODE.fullmatch(code) is None:
        examples = ", ".join(ENCODED)
        return (
            f"{code!r} is not an ISO 3166 region code; use a country or subdivision code "
            f"such as {examples} (rules are encoded for {examples})"
        )
    return ""


def region_problem(code: str) -> str:
    """Why ``code`` is not an assigned region code; "" when it is (checked at input)."""
    shape = shape_problem(code)
    if shape:
        return shape
    country, _, subdivision = code.partition("-")
    if country in NOT_ISO:
        return f"{code!r} is not an ISO 3166 code: use {NOT_ISO[country]}"
    if country not in COUNTRIES and country != "EU":
        return f"{code!r}: {country} is not an ISO 3166-1 country code"
    if country == "US" and subdivision and subdivision not in US_STATES:
        return f"{code!r} is not a US state code (US-CA, US-NY, US-IL, US-TN, ...)"
    return ""
