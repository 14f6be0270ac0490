"""``likeness serve --workers 3`` as a real process, on the store the run is given: requests
spread over the workers; a key revoked through one worker is refused by all; failed
logins spread over workers still throttle; each webhook event is delivered once, by one
worker, and by another when that one is killed. And the parts underneath, in process:
leader locks, a task run by one leader at a time, and scan jobs a starting worker must
leave alone (another worker's) or clear away (a dead one's).

Which worker answered, or holds a lock, is read from ``/proc`` (``tests/worker_processes``)
and, on PostgreSQL, from ``pg_locks``: the server exposes nothing of its processes.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from likeness.bootstrap import Services, build_services, initialise
from likeness.domain.account import Role
from likeness.domain.scan import ScanOptions
from likeness.domain.scan_job import ScanJobStatus
from likeness.services.leadership import WhileLeader
from likeness.services.scan_jobs import ScanJobService
from likeness.settings import Settings, load_settings
from likeness.store.change_counter import MAX_AGE_SECONDS
from likeness.store.leader import lock_key
from likeness.store.secret_box import SecretBox
from likeness.testing import FixedClock
from tests.api_world import PASSWORD, World, bearer, build_world, use_body
from tests.worker_processes import Served, flock_holder, holder_of, serving_workers

WORKERS = 3
SERVER_ENV = {
    "LIKENESS_EGRESS_ALLOW": '["127.0.0.1/32"]',  # the receiver below, on loopback
    "LIKENESS_WEBHOOK_FIRST_RETRY_SECONDS": "0.2",
}


@dataclass
class Live:
    world: World
    home: Path
    served: Served


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    settings = load_settings(home=tmp_path / "home")
    initialise(settings)
    services = build_services(settings)
    world = build_world(services)
    services.close()
    with serving_workers(settings.home, WORKERS, env=SERVER_ENV) as served:
        yield Live(world, settings.home, served)


def ask(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> tuple[int, dict[str, str], bytes]:
    connection.request(method, path, body=body, headers=headers or {})
    answer = connection.getresponse()
    return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()


# -- serving ------------------------------------------------------------------------


def test_requests_are_answered_by_several_worker_processes(live: Live) -> None:
    workers = live.served.worker_pids()
    assert len(workers) == WORKERS and live.served.process.pid not in workers
    answered_by = Counter(live.served.connection()[0] for _ in range(30))
    assert set(answered_by) <= workers
    assert len(answered_by) > 1, answered_by


def test_a_key_revoked_through_one_worker_is_refused_by_every_worker(live: Live) -> None:
    w = live.world
    token = w.tokens["platform"]
    key_id = token.split("_")[1]
    connections = live.served.one_per_worker()
    assert len(connections) == WORKERS
    for connection in connections.values():  # every worker has the key in its cache
        status, _, body = ask(connection, "GET", "/v1/me", headers=bearer(token))
        assert status == 200, body

    first, *others = connections.values()
    status, _, body = ask(first, "DELETE", f"/v1/keys/{key_id}", headers=bearer(w.tokens["admin"]))
    assert status == 200 and json.loads(body)["active"] is False
    status, _, body = ask(first, "GET", "/v1/me", headers=bearer(token))
    assert status == 401  # the revoking worker: at once

    # The others read the change counter at most MAX_AGE_SECONDS after it moved.
    time.sleep(2 * MAX_AGE_SECONDS)
    for connection in others:
        for _ in range(5):
            status, _, body = ask(connection, "GET", "/v1/me", headers=bearer(token))
            assert status == 401, body
            assert json.loads(body)["error"]["message"] == f"API key {key_id} was revoked"
            use = use_body(w.production, w.today)
            check = json.dumps({"performer_id": w.performer, "use": use})
            status, _, _ = ask(
                connection,
                "POST",
                "/v1/check",
                headers=bearer(token) | {"content-type": "application/json"},
                body=check.encode(),
            )
            assert status == 401


# -- login throttling ---------------------------------------------------------------


def sign_in(connection: http.client.HTTPConnection, username: str, password: str) -> str:
    """The login form as a browser sends it, on this connection (this worker); the page
    answered."""
    _, headers, form = ask(connection, "GET", "/login")
    csrf = re.search(rb'name="csrf_token" value="([^"]+)"', form)
    cookie = re.search(r"ll_login_csrf=([^;]+)", headers["set-cookie"])
    assert csrf is not None and cookie is not None
    body = urllib.parse.urlencode(
        {"username": username, "password": password, "csrf_token": csrf.group(1).decode()}
    )
    status, _, page = ask(
        connection,
        "POST",
        "/login",
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "cookie": f"ll_login_csrf={cookie.group(1)}",
        },
        body=body.encode(),
    )
    return f"{status} {page.decode()}"


def test_failed_logins_spread_over_the_workers_throttle_every_worker(live: Live) -> None:
    """Five failures, each on the next worker, make the performer's username wait (a
    second at first) from that address on every worker. A round whose sixth attempt
    came after the wait is played again from another address."""
    throttled = 0
    for n in range(2, 5):  # 127.0.0.2, .3, .4: each address counts apart
        source = f"127.0.0.{n}"
        connections = list(live.served.one_per_worker(source=source).values())
        for attempt in range(5):
            page = sign_in(connections[attempt % WORKERS], "performer", "a wrong guess")
            assert page.startswith("401") and "wrong username or password" in page
        failed_at = time.monotonic()
        pages = [sign_in(connection, "performer", PASSWORD) for connection in connections]
        if time.monotonic() - failed_at >= 1.0:  # the first wait ran out meanwhile
            continue
        for page in pages:
            assert page.startswith("401"), page[:200]
            assert "too many failed logins for this username from your address" in page
        throttled += 1
    assert throttled >= 1, "every round took longer than the first wait"


# -- webhooks -----------------------------------------------------------------------


class Receiver:
    """Records the deliveries it is sent (delivery id, body), holding each a moment, and
    the most it was ever sent at once."""

    HOLD = 0.3

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.bodies: list[bytes] = []
        self.most_at_once = 0
        self._now = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                with receiver._lock:
                    receiver._now += 1
                    receiver.most_at_once = max(receiver.most_at_once, receiver._now)
                    receiver.ids.append(self.headers["webhook-id"])
                    receiver.bodies.append(body)
                time.sleep(receiver.HOLD)  # a receiver at work: time for a second sender
                with receiver._lock:
                    receiver._now -= 1
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def order(self, uses: list[str]) -> list[str]:
        """The uses in the order their deliveries arrived."""
        return [next(u for u in uses if u.encode() in body) for body in self.bodies]

    def close(self) -> None:
        self.server.shutdown()


def wait_for(condition: Callable[[], bool], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


def webhook_leader(live: Live) -> int | None:
    """The worker holding the webhook delivery's leader lock."""
    url = os.environ.get("LIKENESS_DATABASE_URL")
    if url is None:  # SQLite: a file lock in the data home
        return flock_holder(live.home / "locks" / "webhooks.lock")
    unsigned = lock_key("webhooks") & 0xFFFF_FFFF_FFFF_FFFF
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            port = connection.execute(
                text(
                    "SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a "
                    "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                    "AND l.classid::bigint = :high AND l.objid::bigint = :low "
                    "AND l.objsubid = 1"
                ),
                {"high": unsigned >> 32, "low": unsigned & 0xFFFF_FFFF},
            ).scalar_one_or_none()
    finally:
        engine.dispose()
    if port is None:
        return None
    return holder_of(local_port=int(port), remote=("127.0.0.1", int(make_url(url).port or 5432)))


def test_each_event_is_delivered_once_and_another_worker_delivers_when_the_leader_dies(
    live: Live,
) -> None:
    w, base = live.world, live.served.base
    production = bearer(w.tokens["production"])
    receiver = Receiver()
    try:
        made = httpx.post(
            f"{base}/v1/webhooks",
            json={"url": receiver.url, "events": ["use.reported"]},
            headers=production,
        )
        assert made.status_code == 201, made.text
        hook = made.json()["id"]

        uses: list[str] = []

        def report(count: int) -> None:
            for _ in range(count):  # a new connection each: any worker
                body = {"performer_id": w.performer, "use": use_body(w.production, w.today)}
                answer = httpx.post(f"{base}/v1/uses", json=body, headers=production)
                assert answer.status_code == 201, answer.text
                uses.append(answer.json()["use_id"])
                time.sleep(Receiver.HOLD)  # events arrive while earlier ones are delivered

        def delivered() -> list[dict[str, Any]]:
            answer = httpx.get(f"{base}/v1/webhooks/{hook}/deliveries", headers=production)
            return [d for d in answer.json() if d["status"] == "delivered"]

        report(12)
        wait_for(lambda: len(delivered()) == 12)
        time.sleep(2)  # time for a second dispatcher, were there one, to send again
        assert len(receiver.ids) == 12 and len(set(receiver.ids)) == 12
        # One sender: one webhook's deliveries one at a time, in the order of events.
        assert receiver.most_at_once == 1
        assert receiver.order(uses) == uses

        leader = webhook_leader(live)
        assert leader in live.served.worker_pids()
        os.kill(leader, signal.SIGKILL)
        report(3)
        wait_for(lambda: len(delivered()) == 15)
        assert len(receiver.ids) == 15 and len(set(receiver.ids)) == 15
        assert receiver.most_at_once == 1 and receiver.order(uses) == uses
        assert webhook_leader(live) not in (None, leader)
    finally:
        receiver.close()


# -- underneath, in process ---------------------------------------------------------


@pytest.fixture
def second_process(services: Services, settings: Settings, clock: FixedClock) -> Iterator[Services]:
    """Another composition root on the same store: another server process, as far as
    the store can tell."""
    other = build_services(settings, clock=clock)
    yield other
    other.close()


def test_one_process_holds_a_leader_lock_until_it_lets_go(
    services: Services, second_process: Services
) -> None:
    first = services.leader_lock("test")
    second = second_process.leader_lock("test")
    other_name = second_process.leader_lock("another")
    assert first.try_acquire()
    assert not second.try_acquire()
    assert first.try_acquire()  # still held
    assert other_name.try_acquire()  # names are apart
    first.release()
    assert second.try_acquire()
    assert not first.try_acquire()
    for lock in (second, other_name, first):
        lock.release()


class CountedTask:
    def __init__(self, log: list[str], name: str) -> None:
        self._log = log
        self._name = name

    def start(self) -> None:
        self._log.append(f"start {self._name}")

    def stop(self) -> None:
        self._log.append(f"stop {self._name}")


def test_a_task_runs_under_one_leader_and_moves_when_it_stops(
    services: Services, second_process: Services
) -> None:
    log: list[str] = []
    leaders = {
        name: WhileLeader(
            s.leader_lock("task"),
            lambda name=name: CountedTask(log, name),  # type: ignore[misc]
            name="task",
            retry=0.02,
        )
        for name, s in (("a", services), ("b", second_process))
    }
    for leader in leaders.values():
        leader.start()
    try:
        wait_for(lambda: len(log) == 1, seconds=20)
        time.sleep(0.3)  # many retries: the other is still refused
        [started] = log
        first = started.split()[1]
        second = "b" if first == "a" else "a"
        assert not leaders[second].leading
        leaders[first].stop()
        wait_for(lambda: len(log) == 3, seconds=20)
        assert log == [f"start {first}", f"stop {first}", f"start {second}"]
    finally:
        for leader in leaders.values():
            leader.stop()


class Queue(Executor):
    """Keeps submitted jobs without running them: jobs queued in a live process."""

    def __init__(self) -> None:
        self.submitted: list[Any] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.submitted.append((fn, args))
        return Future()


def job_service(services: Services) -> ScanJobService:
    return ScanJobService(
        database=services.database,
        clock=services.clock,
        ids=services.ids,
        scans=services.scans,
        root=services.layout.root / "jobs",
        executor=Queue(),
        reports=SecretBox(services.master_key, "scan-report"),
        memory=services.memory,
        tasks=services.tasks,
    )


def test_a_starting_worker_clears_a_dead_workers_scan_jobs_and_leaves_a_live_ones(
    services: Services, second_process: Services
) -> None:
    world = build_world(services)
    admin = services.accounts.get_account(world.accounts["admin"])
    assert admin.role is Role.ADMIN
    live_jobs, dead_jobs = job_service(services), job_service(second_process)

    def submitted(jobs: ScanJobService) -> tuple[str, Path, Any]:
        staged = jobs.stage()
        with staged.upload("scene.png") as upload:
            upload.write(b"sealed as it arrives")
        return jobs.submit(admin, staged, ScanOptions(world.production)).id, staged.folder, staged

    queued, queued_folder, _ = submitted(live_jobs)
    receiving = live_jobs.stage()  # its uploads are arriving: no row yet
    dead, dead_folder, dead_staged = submitted(dead_jobs)
    dead_staged.held.release()  # what the kernel does when that process dies

    starting = job_service(second_process)  # a worker starting, or restarted
    assert starting.interrupt_unfinished() == 1
    assert live_jobs.get(admin, queued).status is ScanJobStatus.QUEUED
    assert queued_folder.is_dir() and receiving.folder.is_dir()
    failed = live_jobs.get(admin, dead)
    assert failed.status is ScanJobStatus.FAILED and "submit it again" in (failed.error or "")
    assert not dead_folder.exists()
    assert sorted(p.name for p in (services.layout.root / "jobs").iterdir()) == sorted(
        [queued, receiving.id]
    )
    live_jobs.discard(receiving)
