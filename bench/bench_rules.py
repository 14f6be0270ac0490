"""Decision latency: `rules.engine.evaluate` over every worked case in tests/cases.

Run: .venv/bin/python bench/bench_rules.py [ROUNDS]

Each case is parsed once, then evaluated ROUNDS times (default 2,000), timing each
call. Prints p50 / p99 / max over all calls, the slowest case's p99, and a
baseline measured in the same run: `json.loads` of the same case files (the cost
of merely reading a case). Target (issue 4): p99 <= 50 µs per case.
Also reports the p99 with the specificity memo cleared before every call.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from likeness.rules.cases import parse_case
from likeness.rules.engine import evaluate
from likeness.rules.specificity import specificity_problems

CASES = sorted((Path(__file__).resolve().parents[1] / "tests" / "cases").glob("*.json"))


def percentile(values: list[int], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1000


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    texts = [p.read_text() for p in CASES]
    cases = [parse_case(json.loads(t)) for t in texts]
    for _ in range(50):  # warm up: rate table load, memoised specificity, CPU caches
        for case in cases:
            evaluate(case)
    timings: list[int] = []
    per_case: dict[str, list[int]] = {}
    clock = time.perf_counter_ns
    for path, case in zip(CASES, cases, strict=True):
        mine = per_case.setdefault(path.stem, [])
        for _ in range(rounds):
            start = clock()
            evaluate(case)
            mine.append(clock() - start)
        timings.extend(mine)
    cold: list[int] = []  # with the specificity memo cleared before every call
    for case in cases:
        for _ in range(max(1, rounds // 10)):
            specificity_problems.cache_clear()
            start = clock()
            evaluate(case)
            cold.append(clock() - start)
    baseline: list[int] = []
    for text in texts:
        for _ in range(rounds):
            start = clock()
            json.loads(text)
            baseline.append(clock() - start)
    slowest = max(per_case, key=lambda name: percentile(per_case[name], 0.99))
    p99 = percentile(timings, 0.99)
    base99 = percentile(baseline, 0.99)
    print(f"{len(cases)} cases × {rounds:,} rounds = {len(timings):,} decisions")
    print(
        f"evaluate   p50 {percentile(timings, 0.5):6.1f} µs   p99 {p99:6.1f} µs   "
        f"max {max(timings) / 1000:8.1f} µs   mean {statistics.fmean(timings) / 1000:6.1f} µs"
    )
    print(
        f"cold memo  p50 {percentile(cold, 0.5):6.1f} µs   p99 {percentile(cold, 0.99):6.1f} µs"
        "   (every consent's description re-checked)"
    )
    print(
        f"baseline   json.loads of the case: p50 {percentile(baseline, 0.5):6.1f} µs   "
        f"p99 {base99:6.1f} µs   (evaluate p99 / baseline p99 = {p99 / base99:.1f})"
    )
    print(f"slowest case by p99: {slowest} ({percentile(per_case[slowest], 0.99):.1f} µs)")
    print(f"target p99 <= 50 µs: {'met' if p99 <= 50 else 'NOT met'}")


if __name__ == "__main__":
    main()
