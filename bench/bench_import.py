"""How long onboarding a roster takes: `performer import` of N rows against a raw-SQLite baseline.

Run: .venv/bin/python bench/bench_import.py [ROWS]

Prints wall times for
  baseline  - csv parsing + one sqlite3 executemany of the same rows into a bare table
              (no validation, no ids, no duplicate checks): the floor for this machine;
  service   - RegistryService.import_performers in-process (parse, validate, check
              duplicates in the file and the database, insert in one transaction);
  cli       - `likeness performer import` as a fresh process, start-up included;
and the ratio of each to the baseline, measured in the same run.
"""

from __future__ import annotations

import csv
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from likeness.bootstrap import build_services, initialise
from likeness.settings import load_settings

HEADER = "legal_name,professional_name,union,member_number,date_of_birth\n"


def write_roster(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER)
        for i in range(rows):
            handle.write(
                f"Performer {i},Stage {i},SAG-AFTRA,M{i:07d},"
                f"19{50 + i % 50}-{1 + i % 12:02d}-{1 + i % 28:02d}\n"
            )


def baseline(path: Path, db: Path) -> float:
    start = time.perf_counter()
    connection = sqlite3.connect(db)
    connection.execute(
        "CREATE TABLE p (legal_name, professional_name, union_, member_number, date_of_birth)"
    )
    with path.open(encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        with connection:
            connection.executemany("INSERT INTO p VALUES (?, ?, ?, ?, ?)", reader)
    connection.close()
    return time.perf_counter() - start


def service(path: Path, home: Path) -> float:
    settings = load_settings(home=home)
    initialise(settings)
    services = build_services(settings)
    start = time.perf_counter()
    summary = services.registry.import_performers(path)
    elapsed = time.perf_counter() - start
    services.close()
    assert summary.imported > 0
    return elapsed


def cli(path: Path, home: Path) -> float:
    command = [sys.executable, "-m", "likeness", "--home", str(home)]
    subprocess.run([*command, "init"], check=True, capture_output=True)
    start = time.perf_counter()
    subprocess.run([*command, "performer", "import", str(path)], check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        roster = root / "roster.csv"
        write_roster(roster, rows)
        base = min(baseline(roster, root / f"b{i}.db") for i in range(3))
        svc = min(service(roster, root / f"s{i}") for i in range(3))
        proc = min(cli(roster, root / f"c{i}") for i in range(3))
    print(f"rows: {rows}  (best of 3 each)")
    print(f"baseline  raw sqlite3 executemany : {base:7.3f} s")
    print(
        f"service   import_performers        : {svc:7.3f} s  ({svc / base:5.1f}x baseline, "
        f"{rows / svc:,.0f} rows/s)"
    )
    print(f"cli       likeness performer import: {proc:7.3f} s  ({proc / base:5.1f}x baseline)")


if __name__ == "__main__":
    main()
