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


def region_problem(code: str) -> str:
    """Why ``code`` is not a region code; "" when it is."""
    examples = ", ".join(ENCODED)
    if _CODE.fullmatch(code) is None:
        return (
            f"{code!r} is not an ISO 3166 region code; use a country or subdivision code "
            f"such as {examples} (rules are encoded for {examples})"
        )
    country, _, subdivision = code.partition("-")
    if country == "US" and subdivision and subdivision not in US_STATES:
        return f"{code!r} is not a US state code (US-CA, US-NY, US-IL, US-TN, ...)"
    return ""
