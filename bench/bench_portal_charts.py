"""What the portal's charts and signed-in devices cost, each against a baseline measured
in the same run.

Run: .venv/bin/python bench/bench_portal_charts.py [entries]

  growth     LedgerService.growth() (the log page's chart: entries per day) on a log of
             ``entries`` real-format entries spread over 400 days: the first call (reads
             the first 17 bytes of every entry), a call with nothing new (cached), and a
             call after 1,000 new entries; baseline: reading every entry whole and
             decoding its JSON for its time (what counting without the prefix would do).
  sessions   LoginService.session() on a session used within the minute (a read) and on
             one last used over a minute ago (a read and the write of last_seen_at);
             baseline: the read-only case.
  pages      the log page and the performer's dashboard (both with charts) fetched in
             process; baseline: the account page (no chart), best of five each.
"""

from __future__ import annotations

import re
import secrets
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient

from likeness.api.app import create_app
from likeness.bootstrap import Services, build_services, initialise
from likeness.ledger.entry import LogEvent, decode_entry, encode_entry
from likeness.settings import load_settings
from likeness.store.log_store import SqlLogStore
from likeness.testing import FixedClock, fake_encoders
from tests.api_world import PASSWORD, build_world

BATCH = 1000


def fill(services: Services, entries: int, start: datetime) -> None:
    salt = secrets.token_bytes(32)
    for first in range(0, entries, BATCH):
        batch = [
            encode_entry(
                LogEvent(
                    "performer.updated",
                    start + timedelta(days=400 * i / entries),
                    {"performer": f"01J{i:023d}"},
                    {"legal_name": f"Person {i}", "notes": "x" * 80},
                ),
                salt,
            )
            for i in range(first, min(entries, first + BATCH))
        ]
        services.ledger.append_entries(batch)


def timed(call: object) -> float:
    started = time.perf_counter()
    call()  # type: ignore[operator]
    return time.perf_counter() - started


def naive_growth(services: Services) -> Counter[str]:
    days: Counter[str] = Counter()
    with services.database.read() as connection:
        store = SqlLogStore(connection)
        size = store.size()
        for first in range(0, size, 5000):
            for entry in store.entries(first, min(size, first + 5000)):
                days[str(decode_entry(entry)["at"])[:10]] += 1
    return days


def signed_in(services: Services, username: str) -> TestClient:
    http = TestClient(create_app(services, deliver_webhooks=False), base_url="https://testserver")
    found = re.search(r'name="csrf_token" value="([^"]+)"', http.get("/login").text)
    assert found is not None
    http.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": found.group(1)},
        follow_redirects=False,
    )
    return http


def best_of_five(http: TestClient, url: str) -> float:
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        answer = http.get(url)
        best = min(best, time.perf_counter() - started)
        assert answer.status_code == 200, (url, answer.status_code)
    return best


def main(entries: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        clock = FixedClock(datetime(2026, 12, 7, 9, tzinfo=UTC))
        settings = load_settings(home=Path(folder) / "home")
        initialise(settings, clock=clock)
        services = build_services(settings, clock=clock, encoders=fake_encoders())
        build_world(services)
        started = time.perf_counter()
        fill(services, entries, clock.now() - timedelta(days=400))
        size = services.ledger.size()
        print(f"log of {size:,} entries written in {time.perf_counter() - started:.1f} s")

        baseline = timed(lambda: naive_growth(services))
        cold = timed(services.ledger.growth)
        warm = timed(services.ledger.growth)
        fill(services, 1000, clock.now())
        after = timed(services.ledger.growth)
        counted = sum(n for _, n in services.ledger.growth())
        assert counted == services.ledger.size(), (counted, services.ledger.size())
        assert sum(naive_growth(services).values()) == counted
        print("growth (entries per day)")
        print(f"  baseline: whole entries decoded  {baseline * 1000:9.1f} ms")
        print(f"  first call (17-byte prefixes)    {cold * 1000:9.1f} ms  {cold / baseline:.3f}x")
        print(f"  nothing new (cached)             {warm * 1000:9.3f} ms  {warm / baseline:.5f}x")
        print(f"  after 1,000 new entries          {after * 1000:9.1f} ms  {after / baseline:.4f}x")

        http = signed_in(services, "performer")
        token = http.cookies["ll_session"]
        calls = 300
        fresh = timed(lambda: [services.logins.session(token) for _ in range(calls)])

        def stale_calls() -> None:
            for _ in range(calls):
                clock.advance(seconds=61)
                services.logins.session(token)

        http = signed_in(services, "performer")  # the clock moved: a fresh session
        token = http.cookies["ll_session"]
        stale = timed(stale_calls)
        print("sessions (LoginService.session, per call)")
        print(f"  baseline: used within the minute {fresh / calls * 1e6:9.0f} us")
        per_call = stale / calls * 1e6
        print(f"  last used a minute ago (+write)  {per_call:9.0f} us  {stale / fresh:.2f}x")

        performer = signed_in(services, "performer")
        auditor = signed_in(services, "auditor")
        account = best_of_five(performer, "/portal/account")
        print("pages (best of five)")
        print(f"  baseline: /portal/account        {account * 1000:9.1f} ms")
        for who, url in ((performer, "/portal"), (auditor, "/portal/log")):
            took = best_of_five(who, url)
            print(f"  {url:<32} {took * 1000:9.1f} ms  {took / account:.2f}x")
        services.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
