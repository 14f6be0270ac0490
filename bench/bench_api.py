"""``POST /v1/check`` under load, against a trivial endpoint in the same run.

Run: .venv/bin/python bench/bench_api.py [--seconds 10] [--connections 32]
     [--workers N] [--store sqlite|postgresql] [--store-url URL]

Starts ``likeness serve`` (one uvicorn process, the embedded SQLite store) on a home with
a performer, a production, a granted consent and a platform API key, then:

  max rate   closed loop with wrk (Debian's ``wrk``; 1 thread, N keep-alive
             connections): requests/s of GET /healthz (the trivial endpoint: no
             key, no database), of GET /v1/me (a trivial endpoint behind the API
             key check) and of POST /v1/check by performer id (key check, decision
             by the rulebooks, a durable log append through group commit, and an
             inclusion proof in the answer).
  latency    open loop at half the check's maximum rate: requests are sent on a
             fixed schedule over keep-alive connections, and each latency is
             measured from its scheduled start (so queueing counts: no
             coordinated omission). p50, p99 and max; again at a quarter.

Targets (issue 7): check throughput >= 0.5x the trivial endpoint's; p99 <= 10 ms at
half the maximum rate. Both processes share this machine's cores with the server.

With ``--workers N`` (issue 14) it measures ``serve --workers n`` for n = 1 .. N, each on
a fresh home (and, with ``--store postgresql``, a fresh database on the server of
``--store-url`` or ``scripts/postgres url``): /healthz and /v1/check served by the same
workers in the same run, their ratio, p99 at half the check's maximum rate, and where
the CPU went during the check's closed loop (cores used by the server's processes, by
PostgreSQL's and by wrk). Every run checks a sample of check answers afterwards: each
receipt verifies under the log's key and its entry is the one stored at its index (a
durable entry, read back after the server stopped), and the log audits green.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from likeness.bootstrap import build_services, initialise
from likeness.ledger.note import parse_verifier
from likeness.ledger.receipt import parse_receipt, verify_receipt
from likeness.settings import load_settings
from tests.api_world import build_world, use_body
from tests.store_server import fresh_database, server_url
from tests.worker_processes import serving_workers

RECEIPT_SAMPLE = 24


def wrk_rate(base: str, path: str, seconds: int, connections: int, lua: Path | None) -> dict:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if lua is not None:
        command += ["-s", str(lua)]
    out = subprocess.run(
        [*command, f"{base}{path}"], capture_output=True, text=True, check=True
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 1e-3, "ms": 1.0, "s": 1000.0}
    return {
        "rate": rate,
        "non_2xx": int(errors.group(1)) if errors else 0,
        "p99_ms": float(p99.group(1)) * scale[p99.group(2)] if p99 else None,
    }


async def open_loop(
    host: str, port: int, request: bytes, rate: float, seconds: float, connections: int
) -> dict:
    pool: asyncio.Queue = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await asyncio.open_connection(host, port))
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def one(scheduled: float) -> None:
        reader, writer = await pool.get()
        try:
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
            await reader.readexactly(length)
        finally:
            pool.put_nowait((reader, writer))
        latencies.append(time.perf_counter() - scheduled)
        statuses[status] = statuses.get(status, 0) + 1

    start = time.perf_counter() + 0.05
    tasks = []
    total = int(rate * seconds)
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(scheduled)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)
    return {
        "rate_asked": rate,
        "rate_achieved": len(ordered) / elapsed,
        "p50_ms": 1000 * ordered[len(ordered) // 2],
        "p99_ms": 1000 * ordered[int(len(ordered) * 0.99) - 1],
        "max_ms": 1000 * ordered[-1],
        "mean_ms": 1000 * statistics.fmean(ordered),
        "statuses": statuses,
    }


@contextmanager
def store(kind: str, given_url: str | None) -> Iterator[str | None]:
    """The database URL of a run: None (SQLite in the home) or a fresh PostgreSQL one."""
    if kind == "sqlite":
        yield None
        return
    with fresh_database(server_url(given_url)) as url:
        yield url


def cpu_seconds(pids: set[int]) -> float:
    """User and system CPU time the processes ``pids`` have used so far."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def postgres_pids() -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    found.add(int(entry.name))
            except OSError:
                continue
    return found


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(workers: int, args: argparse.Namespace, url: str | None, folder: Path) -> dict:
    """One ``serve --workers n`` on a fresh home: rates, latency, CPU, receipts."""
    if url is not None:
        os.environ["LIKENESS_DATABASE_URL"] = url
    else:
        os.environ.pop("LIKENESS_DATABASE_URL", None)
    settings = load_settings(home=folder / f"home-{workers}")
    initialise(settings)
    services = build_services(settings)
    world = build_world(services)
    services.close()
    body = json.dumps(
        {"performer_id": world.performer, "use": use_body(world.production, world.today)}
    )
    token = world.tokens["platform"]
    lua = folder / "check.lua"
    lua.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(body)}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
    )
    result: dict = {"workers": workers}
    with serving_workers(settings.home, workers) as served:
        base = served.base
        server = {served.process.pid} | served.worker_pids()
        # warm up: models are not involved, but the first requests build caches
        wrk_rate(base, "/healthz", 2, args.connections, None)
        wrk_rate(base, "/v1/check", 2, args.connections, lua)
        result["trivial"] = wrk_rate(base, "/healthz", args.seconds, args.connections, None)
        if args.workers == 1:
            me_lua = folder / "me.lua"
            me_lua.write_text(f'wrk.headers["Authorization"] = "Bearer {token}"\n')
            result["me"] = wrk_rate(base, "/v1/me", args.seconds, args.connections, me_lua)
        database = postgres_pids() if url is not None else set()
        before = (cpu_seconds(server), cpu_seconds(database), children_cpu(), time.monotonic())
        result["check"] = wrk_rate(base, "/v1/check", args.seconds, args.connections, lua)
        after = (cpu_seconds(server), cpu_seconds(database), children_cpu(), time.monotonic())
        wall = after[3] - before[3]
        result["cores"] = {
            "server": (after[0] - before[0]) / wall,
            "postgres": (after[1] - before[1]) / wall,
            "wrk": (after[2] - before[2]) / wall,
        }
        host, port = base.removeprefix("http://").split(":")
        request = (
            f"POST /v1/check HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n{body}"
        ).encode()
        shares = (0.5, 0.25) if args.workers == 1 else (0.5,)
        for share in shares:
            key = "half_rate" if share == 0.5 else "quarter_rate"
            result[key] = asyncio.run(
                open_loop(
                    host, int(port), request, result["check"]["rate"] * share, args.seconds, 16
                )
            )
        answers = [
            httpx.post(
                f"{base}/v1/check",
                content=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            for _ in range(RECEIPT_SAMPLE)  # a new connection each: any worker
        ]
    result["receipts"] = check_receipts(settings, answers)
    result["ratio"] = result["check"]["rate"] / result["trivial"]["rate"]
    return result


def check_receipts(settings, answers: list[httpx.Response]) -> int:
    """Every sampled answer carries a receipt that verifies, of an entry stored at its
    index (read after the server stopped: durable), and the log audits green."""
    services = build_services(settings)
    try:
        verifier = parse_verifier(services.ledger.verifier_key)
        for answer in answers:
            assert answer.status_code == 200, answer.text
            receipt = parse_receipt(json.dumps(answer.json()["receipt"]))
            verify_receipt(receipt, verifier)
            assert services.ledger.receipt(receipt.index).entry == receipt.entry
        assert services.ledger.audit().ok, "log audit failed"
    finally:
        services.close()
    return len(answers)


def report_one(result: dict) -> None:
    trivial, check = result["trivial"], result["check"]
    print(f"GET /healthz (trivial)      {trivial['rate']:9.0f} req/s")
    print(f"POST /v1/check (by id)      {check['rate']:9.0f} req/s  (non-2xx {check['non_2xx']})")
    if "me" in result:
        print(f"GET /v1/me (key checked)    {result['me']['rate']:9.0f} req/s")
        print(f"check / GET /v1/me          {check['rate'] / result['me']['rate']:9.2f}x")
    print(f"check / trivial throughput  {result['ratio']:9.2f}x   (target >= 0.5x)")
    half = result["half_rate"]
    print(
        f"open loop at {half['rate_asked']:.0f} req/s (half the check's max): "
        f"achieved {half['rate_achieved']:.0f}/s, p50 {half['p50_ms']:.2f} ms, "
        f"p99 {half['p99_ms']:.2f} ms, max {half['max_ms']:.2f} ms (target p99 <= 10 ms); "
        f"statuses {half['statuses']}"
    )
    if "quarter_rate" in result:
        quarter = result["quarter_rate"]
        print(
            f"open loop at {quarter['rate_asked']:.0f} req/s (a quarter): "
            f"p50 {quarter['p50_ms']:.2f} ms, "
            f"p99 {quarter['p99_ms']:.2f} ms, max {quarter['max_ms']:.2f} ms"
        )
    cores = result["cores"]
    print(
        f"CPU during the check's closed loop: server {cores['server']:.2f} cores, "
        f"PostgreSQL {cores['postgres']:.2f}, wrk {cores['wrk']:.2f}; "
        f"{result['receipts']} sampled receipts verified and stored"
    )


def report_table(results: list[dict]) -> None:
    first = results[0]["check"]["rate"]
    print()
    print(
        "| workers | /healthz req/s | /v1/check req/s | check x1 worker | check / healthz "
        "| p99 at half (rate) | cores: server / PostgreSQL / wrk |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        half, cores = r["half_rate"], r["cores"]
        print(
            f"| {r['workers']} | {r['trivial']['rate']:,.0f} | {r['check']['rate']:,.0f} "
            f"| {r['check']['rate'] / first:.2f}x | {r['ratio']:.2f}x "
            f"| {half['p99_ms']:.1f} ms ({half['rate_achieved']:,.0f}/s) "
            f"| {cores['server']:.2f} / {cores['postgres']:.2f} / {cores['wrk']:.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--workers", type=int, default=1, help="measure serve --workers n for n = 1 .. N"
    )
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--store-url", default=None, help="PostgreSQL server (else scripts/postgres url)"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench_api needs wrk: apt-get install wrk")

    results = []
    for workers in range(1, args.workers + 1):
        with tempfile.TemporaryDirectory() as folder, store(args.store, args.store_url) as url:
            results.append(measure(workers, args, url, Path(folder)))
        print(f"-- serve --workers {workers} ({args.store})")
        report_one(results[-1])
    if len(results) > 1:
        report_table(results)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
