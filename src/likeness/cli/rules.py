"""``likeness rules``: evaluate a conformance case, with no database."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from likeness.api.present import decision_json
from likeness.cli import render
from likeness.errors import InvalidInputError
from likeness.rules.cases import parse_case
from likeness.rules.engine import evaluate

app = typer.Typer(help="The rulebooks: evaluate cases offline.", no_args_is_help=True)


@app.command("evaluate")
def evaluate_case(
    case_file: Annotated[
        str, typer.Argument(help="Case JSON file, or - for standard input.")
    ] = "-",
) -> None:
    """Decide one case (docs/rules-cases.md) and print the decision as JSON."""
    try:
        text = sys.stdin.read() if case_file == "-" else Path(case_file).read_text("utf-8")
    except OSError as exc:
        raise InvalidInputError(f"{case_file}: cannot read ({exc.strerror})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{case_file}: not JSON ({exc})") from None
    render.emit_json(decision_json(evaluate(parse_case(data))))
