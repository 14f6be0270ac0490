"""Golden outputs pinned before the middle of the code was reshaped (issue 11): the CLI's
``--json``, the API's answers and the scan reports must read the same afterwards.

See ``tests/golden.py`` for what is masked and how to regenerate after a deliberate change.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from likeness.bootstrap import Services
from likeness.cli.app import app
from likeness.settings import Settings, load_settings
from tests.api_world import bearer, build_world, client, use_body
from tests.golden import Masker, check

runner = CliRunner()
CASES = Path(__file__).parents[1] / "cases"


def _raw(home: Path, *args: str) -> Any:
    result = runner.invoke(app, ["--home", str(home), *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _json(home: Path, masker: Masker, *args: str) -> Any:
    return masker.data(_raw(home, *args))


def test_cli_json_outputs_are_pinned(tmp_path: Path) -> None:
    home = tmp_path / "home"
    masker = Masker(paths={str(tmp_path): "<tmp>"})
    out: dict[str, Any] = {}
    out["init"] = _json(home, masker, "init")
    performer = runner.invoke(
        app,
        [
            "--home",
            str(home),
            "performer",
            "add",
            "--legal-name",
            "Ada Lovelace",
            "--professional-name",
            "Ada L",
            "--union",
            "SAG-AFTRA",
            "--member-number",
            "100",
            "--date-of-birth",
            "1990-06-15",
            "--domicile",
            "US-CA",
            "-r",
            "agent:Jane Roe",
            "--json",
        ],
    )
    assert performer.exit_code == 0, performer.output
    performer_id = json.loads(performer.stdout)["id"]
    out["performer add"] = masker.data(json.loads(performer.stdout))
    production = _raw(
        home,
        "production",
        "add",
        "--title",
        "Night Shift",
        "--company",
        "Acme Pictures",
        "--kind",
        "streaming",
        "--agreement",
        "sag-aftra-tv-theatrical",
        "--start",
        "2025-01-01",
        "--jurisdiction",
        "US-CA",
    )
    production_id = production["id"]
    out["production add"] = masker.data(production)
    out["performer list"] = _json(home, masker, "performer", "list")
    out["production list"] = _json(home, masker, "production", "list")
    consent = _raw(
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
        "Night Shift",
        "--purpose",
        "complete the night exterior scenes after the performer's wrap",
        "--territory",
        "worldwide",
        "--from",
        "2025-01-01",
        "--until",
        "2035-01-01",
        "--medium",
        "streaming",
        "--scene",
        "12",
        "--scene",
        "14",
        "--character",
        "Vale",
        "--pay-basis",
        "flat",
        "--pay-amount",
        "1500",
    )
    consent_id = consent["id"]
    out["consent request"] = masker.data(consent)
    out["consent grant"] = _json(home, masker, "consent", "grant", consent_id, "--by", "performer")
    out["consent show"] = _json(home, masker, "consent", "show", consent_id)
    out["consent list"] = _json(home, masker, "consent", "list")
    use = [
        "use",
        "report",
        "--performer",
        performer_id,
        "--production",
        production_id,
        "--kind",
        "employment_based",
        "--purpose",
        "complete the night exterior scenes after the performer's wrap",
        "--date",
        "2026-02-01",
        "--scene",
        "12",
    ]
    out["use report covered"] = _json(home, masker, *use, "--modality", "face")
    out["use report not covered"] = _json(home, masker, *use, "--modality", "voice")
    out["statement"] = _json(
        home, masker, "statement", performer_id, "--from", "2026-01-01", "--to", "2026-12-31"
    )
    account = _raw(
        home, "account", "add", "Acme clearance", "--role", "production",
        "--production", production_id,
    )  # fmt: skip
    out["account add"] = masker.data(account)
    out["account list"] = _json(home, masker, "account", "list")
    out["apikey create"] = _json(home, masker, "apikey", "create", account["id"], "--label", "ci")
    out["apikey list"] = _json(home, masker, "apikey", "list")
    out["status"] = _json(home, masker, "status")
    for case in ("01_ebdr_same_picture_pro_rata_above_minimum", "27_scene_outside_consent"):
        result = runner.invoke(app, ["rules", "evaluate", str(CASES / f"{case}.json")])
        assert result.exit_code == 0, result.output
        out[f"rules evaluate {case}"] = masker.data(json.loads(result.stdout))
    check("cli.json", out)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The shared one, with the webhook receiver on this machine allow-listed."""
    return load_settings(home=tmp_path / "home", egress_allow=("127.0.0.1/32",))


def test_api_outputs_are_pinned(services: Services) -> None:
    world = build_world(services)
    masker = Masker()
    http = client(services)
    production, performer, platform, admin, auditor = (
        bearer(world.tokens[role])
        for role in ("production", "performer", "platform", "admin", "auditor")
    )
    today = world.today
    out: dict[str, Any] = {}

    def get(path: str, headers: dict[str, str]) -> Any:
        answer = http.get(path, headers=headers)
        return {"status": answer.status_code, "body": masker.data(answer.json())}

    def post(path: str, headers: dict[str, str], body: Any) -> Any:
        answer = http.post(path, headers=headers, json=body)
        return {"status": answer.status_code, "body": masker.data(answer.json())}

    out["me"] = get("/v1/me", production)
    out["performers (admin)"] = get("/v1/performers", admin)
    out["performer"] = get(f"/v1/performers/{world.performer}", performer)
    out["productions"] = get("/v1/productions", production)
    out["consents (production)"] = get("/v1/consents", production)
    out["consent"] = get(f"/v1/consents/{world.consent}", performer)
    out["consent receipts"] = get(f"/v1/consents/{world.consent}/receipts", performer)
    out["uses (performer)"] = get("/v1/uses", performer)
    out["use"] = get(f"/v1/uses/{world.use}", production)
    report = {"performer_id": world.performer, "use": use_body(world.production, today)}
    out["preview covered"] = post("/v1/uses/preview", production, report)
    voice = {**report, "use": {**report["use"], "modalities": ["voice"]}}
    out["preview not covered"] = post("/v1/uses/preview", production, voice)
    # Scenes outside the consent's: the structure decides, whatever the purpose says.
    outside = {"purpose": "a different purpose entirely", "scenes": ["scene 99"]}
    other = {**report, "use": {**report["use"], **outside}}
    out["report not covered"] = post("/v1/uses", production, other)
    out["check covered"] = post("/v1/check", platform, report)
    out["check not covered"] = post("/v1/check", platform, voice)
    out["check covered (production)"] = post("/v1/check", production, report)
    out["check not covered (production)"] = post("/v1/check", production, voice)
    period = f"from={today - timedelta(days=30)}&to={today + timedelta(days=30)}"
    out["statement"] = get(f"/v1/performers/{world.performer}/statement?{period}", performer)
    out["scans"] = get("/v1/scans", production)
    out["scan"] = get(f"/v1/scans/{world.job}", production)
    out["scan report"] = get(f"/v1/scans/{world.job}/report", production)
    hook = post(
        "/v1/webhooks",
        production,
        {"url": "http://127.0.0.1:9/hook", "events": ["use.reported", "consent.granted"]},
    )
    out["webhook subscribe"] = hook
    out["webhooks"] = get("/v1/webhooks", production)
    hook_id = http.get("/v1/webhooks", headers=production).json()[0]["id"]
    post("/v1/uses", production, report)  # queues a delivery for the subscriber
    out["deliveries"] = get(f"/v1/webhooks/{hook_id}/deliveries", production)
    out["log status"] = get("/v1/log/status", auditor)
    out["log audit"] = get("/v1/log/audit", auditor)
    out["aggregates"] = get("/v1/aggregates", auditor)
    out["not found"] = get("/v1/uses/01ARZ3NDEKTSV4RRFFQ69G5FAV", production)
    check("api.json", out)


@pytest.mark.model
def test_scan_reports_are_pinned(services: Services, tmp_path: Path) -> None:
    from tests.clips import make_clip
    from tests.integration.test_scan_models import SCRIPT, enrol_cast

    people = enrol_cast(services, tmp_path)
    clip = make_clip(tmp_path / "clip.mp4", SCRIPT)
    reports = {kind: tmp_path / f"report.{kind}" for kind in ("json", "html", "csv")}
    result = runner.invoke(
        app,
        [
            "--home",
            str(services.settings.home),
            "scan",
            str(clip),
            "--production",
            people["film"],
            "--date",
            "2026-01-05",
            *(arg for kind, path in reports.items() for arg in (f"--{kind}", str(path))),
        ],
    )
    assert result.exit_code == 0, result.output
    masker = Masker(paths={str(tmp_path): "<tmp>"})
    out = {
        "stdout": masker.text(result.stdout),
        "json": masker.data(json.loads(reports["json"].read_text())),
        "csv": _mask_csv_scores(masker.text(reports["csv"].read_text())),
    }
    check("scan-report.json", out)
    html = masker.text(reports["html"].read_text())
    check("scan-report.html", _mask_scores(html))


def _mask_csv_scores(text: str) -> list[list[str]]:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text)))
    column = rows[0].index("score")
    return [rows[0]] + [
        [*r[:column], "<score>" if r[column] else "", *r[column + 1 :]] for r in rows[1:]
    ]


def _mask_scores(html: str) -> str:
    import re

    return re.sub(r"<td>0\.\d+</td>", "<td><score></td>", html)
