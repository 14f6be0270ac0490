"""How long the request form's exact performer lookup takes (RegistryService.find_exact),
against reading one performer and reading them all, in the same run.

Run: flock /tmp/likeness-cpu.lock .venv/bin/python bench/bench_lookup.py [ROWS...]
     (default 1000 10000)

For each registry size (a roster imported once, not timed) it prints the median of
ROUNDS calls, in ms, of:
  baseline   get_performer(id): one row read and its sealed fields opened;
  all        list_performers(): every row read and opened (the floor of a name lookup:
             names are sealed and have no blind index);
  membership find_exact by union and member number (a blind-index lookup), hit and miss;
  name       find_exact by name and date of birth, hit and miss (every performer opened
             and compared);
and each one's ratio to the baseline. Misses are counted by the throttle: each miss
runs under a fresh asker so that none waits.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from likeness.bootstrap import build_services, initialise
from likeness.services.performer_lookup import ExactQuery
from likeness.settings import load_settings

ROUNDS = 7
HEADER = "legal_name,professional_name,union,member_number,date_of_birth\n"


def write_roster(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER)
        for i in range(rows):
            handle.write(
                f"Performer {i},Stage {i},SAG-AFTRA,M{i:07d},"
                f"19{50 + i % 50}-{1 + i % 12:02d}-{1 + i % 28:02d}\n"
            )


def median_ms(call: Callable[[int], object]) -> float:
    times = []
    for round_ in range(ROUNDS):
        start = time.perf_counter()
        call(round_)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(rows: int, scratch: Path) -> None:
    roster = scratch / f"roster-{rows}.csv"
    write_roster(roster, rows)
    settings = load_settings(home=scratch / f"home-{rows}")
    initialise(settings)
    services = build_services(settings)
    registry = services.registry
    summary = registry.import_performers(roster)
    middle = rows // 2
    target = summary.performer_ids[middle]
    born = date(1950 + middle % 50, 1 + middle % 12, 1 + middle % 28)
    checks = {
        "membership hit": ExactQuery.by_membership("SAG-AFTRA", f"M{middle:07d}"),
        "membership miss": ExactQuery.by_membership("SAG-AFTRA", "NOPE"),
        "name hit": ExactQuery.by_name(f"Stage {middle}", born),
        "name miss": ExactQuery.by_name("Nobody At All", born),
    }
    for label, query in checks.items():  # the figures below are of correct answers
        found = registry.find_exact(query, asker="check")
        assert (found is not None and found.id == target) == label.endswith("hit"), label
    baseline = median_ms(lambda _: registry.get_performer(target))
    figures = {"all (list_performers)": median_ms(lambda _: registry.list_performers())}
    for label, query in checks.items():
        figures[f"find_exact, {label}"] = median_ms(
            lambda r, q=query, label=label: registry.find_exact(q, asker=f"{label}{r}")
        )
    services.close()
    print(f"performers: {rows:,}  (median of {ROUNDS})")
    print(f"  baseline  get_performer        : {baseline:9.2f} ms")
    for label, ms in figures.items():
        print(f"  {label:<31}: {ms:9.2f} ms  ({ms / baseline:7.1f}x baseline)")


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10_000]
    with tempfile.TemporaryDirectory() as scratch:
        for rows in sizes:
            measure(rows, Path(scratch))


if __name__ == "__main__":
    main()
