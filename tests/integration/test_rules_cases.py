"""Every worked case in tests/cases answers as its file expects, through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from likeness.cli.app import EXIT_CODES, app

CASES = sorted((Path(__file__).parents[1] / "cases").glob("*.json"))
runner = CliRunner()


def test_there_are_at_least_forty_cases() -> None:
    assert len(CASES) >= 40
    outcomes = {json.loads(p.read_text())["expected"]["decision"] for p in CASES}
    assert outcomes == {"covered", "exempt", "not_covered"}


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_case(path: Path) -> None:
    case = json.loads(path.read_text())
    assert case["cites"], "every case names the clause it exercises"
    expected = case["expected"]
    result = runner.invoke(app, ["rules", "evaluate", str(path)])
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)

    assert got["decision"] == expected["decision"], got["reasons"]
    assert got["consent_id"] == expected["consent_id"]
    assert got["total"] == {"amount": expected["total"], "currency": "USD"}, got["compensation"]
    lines = sum((Decimal(line["amount"]) for line in got["compensation"]), Decimal(0))
    assert lines == Decimal(got["total"]["amount"])
    for rule in expected.get("reason_rules", []):
        assert any(rule in r["rule"] for r in got["reasons"]), (rule, got["reasons"])
    for text in expected.get("reason_messages", []):
        assert any(text in r["message"] for r in got["reasons"]), (text, got["reasons"])
    for text in expected.get("warnings_contain", []):
        assert any(text in w["message"] for w in got["warnings"]), (text, got["warnings"])
    for rule in expected.get("compensation_rules", []):
        assert any(rule in line["rule"] for line in got["compensation"]), got["compensation"]
    assert set(expected.get("regimes_include", [])) <= set(got["regimes"])
    assert not set(expected.get("regimes_exclude", [])) & set(got["regimes"]), got["regimes"]
    for rule in expected.get("warning_rules", []):
        assert any(rule in w["rule"] for w in got["warnings"]), (rule, got["warnings"])
    for rule in expected.get("warning_rules_not", []):
        assert not any(rule in w["rule"] for w in got["warnings"]), (rule, got["warnings"])
    for reason in got["reasons"] + got["warnings"]:
        assert reason["rule"] and reason["message"]


def test_evaluate_reads_standard_input_in_a_real_process() -> None:
    text = CASES[0].read_text()
    result = subprocess.run(
        [sys.executable, "-m", "likeness", "rules", "evaluate", "-"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout)["decision"] == json.loads(text)["expected"]["decision"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda c: c.pop("use"), "use: required"),
        (
            lambda c: c["use"].update(date="2025-13-01"),
            "use.date: '2025-13-01' is not an ISO 8601 date",
        ),
        (
            lambda c: c["consents"][0].update(replica_kind="clone"),
            "consents[0].replica_kind: 'clone' is not one of",
        ),
        (
            lambda c: c["consents"][0].update(modalities=[]),
            "consents[0].modalities: name at least one",
        ),
        (
            lambda c: c["use"].update(days_equivalent=-1),
            "use.days_equivalent: must be a finite, non-negative number",
        ),
        (lambda c: c["performer"].update(extra=1), "performer.extra: unknown field"),
        (
            lambda c: c["consents"][0]["description"].pop("purpose"),
            "consents[0].description.purposes: required",
        ),
        (
            lambda c: c["production"].update(agreement="sag-aftra-tv-theatrical-2027"),
            "production.agreement: 'sag-aftra-tv-theatrical-2027' is not one of "
            "sag-aftra-tv-theatrical, sag-aftra-interactive, sag-aftra-commercials, none",
        ),
        (
            lambda c: c["production"].update(jurisdiction="California"),
            "production.jurisdiction: 'California' is not an ISO 3166 region code",
        ),
        (
            lambda c: c["production"].update(jurisdiction="US-XX"),
            "production.jurisdiction: 'US-XX' is not a US state code",
        ),
        (
            lambda c: c["production"].pop("agreement"),
            "production.agreement: required",
        ),
        (
            lambda c: c["production"].update(jurisdiction="UK"),
            "production.jurisdiction: 'UK' is not an ISO 3166 code: use GB",
        ),
        (
            lambda c: c["production"].update(jurisdiction="ZZ"),
            "production.jurisdiction: 'ZZ': ZZ is not an ISO 3166-1 country code",
        ),
        (
            lambda c: c["use"].update(notice_at="2025-09-29"),
            "use.notice_at: give a time and a zone",
        ),
        (
            lambda c: c["consents"][0].update(
                compensation={"basis": "flat", "amount": "1", "currency": "usd"}
            ),
            "consents[0].compensation.currency: 'usd' is not an ISO 4217 code",
        ),
        (
            lambda c: c["production"].update(kind="film"),
            "production.kind: 'film' is not one of theatrical, television",
        ),
        (
            lambda c: c["use"].update(distribution=["France"]),
            "use.distribution[0]: 'France' is not an ISO 3166 region code",
        ),
        (
            lambda c: c["use"].update(expressive_use="tribute"),
            "use.expressive_use: 'tribute' is not one of news, public_affairs",
        ),
        (
            lambda c: c["consents"][0].update(granted_by="agent"),
            "consents[0].granted_by: 'agent' is not one of performer, representative, estate, "
            "union, parent_or_guardian",
        ),
        (
            lambda c: c["consents"][0].update(signed_separately="yes"),
            "consents[0].signed_separately: must be true or false",
        ),
        (
            lambda c: c["consents"][0].update(compensation={"basis": "flat"}),
            "consents[0].compensation.amount: required",
        ),
    ],
)
def test_malformed_cases_name_the_field(tmp_path: Path, mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    case = json.loads(CASES[0].read_text())
    mutate(case)
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case))
    result = runner.invoke(app, ["rules", "evaluate", str(path)])
    assert result.exit_code == EXIT_CODES["invalid"]
    assert message in result.stderr


def test_not_json(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text("{nope")
    result = runner.invoke(app, ["rules", "evaluate", str(path)])
    assert result.exit_code == EXIT_CODES["invalid"] and "not JSON" in result.stderr
