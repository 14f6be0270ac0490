"""``POST /v1/check`` under load, against a trivial endpoint in the same run.

Run: .venv/bin/python bench/bench_api.py [--seconds 10] [--connections 32]

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
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from likeness.bootstrap import build_services, initialise
from likeness.settings import load_settings
from tests.api_world import build_world, use_body
from tests.server import running_server


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench_api needs wrk: apt-get install wrk")

    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(home=Path(folder) / "home")
        initialise(settings)
        services = build_services(settings)
        world = build_world(services)
        services.close()
        body = json.dumps(
            {"performer_id": world.performer, "use": use_body(world.production, world.today)}
        )
        token = world.tokens["platform"]
        lua = Path(folder) / "check.lua"
        lua.write_text(
            'wrk.method = "POST"\n'
            f"wrk.body = {json.dumps(body)}\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
            f'wrk.headers["Authorization"] = "Bearer {token}"\n'
        )
        with running_server(settings.home) as base:
            # warm up: models are not involved, but the first requests build caches
            wrk_rate(base, "/healthz", 2, args.connections, None)
            wrk_rate(base, "/v1/check", 2, args.connections, lua)
            trivial = wrk_rate(base, "/healthz", args.seconds, args.connections, None)
            me_lua = Path(folder) / "me.lua"
            me_lua.write_text(f'wrk.headers["Authorization"] = "Bearer {token}"\n')
            me = wrk_rate(base, "/v1/me", args.seconds, args.connections, me_lua)
            check = wrk_rate(base, "/v1/check", args.seconds, args.connections, lua)
            host, port = base.removeprefix("http://").split(":")
            request = (
                f"POST /v1/check HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n{body}"
            ).encode()
            half, quarter = (
                asyncio.run(
                    open_loop(host, int(port), request, check["rate"] * share, args.seconds, 16)
                )
                for share in (0.5, 0.25)
            )
    ratio = check["rate"] / trivial["rate"]
    print(f"GET /healthz (trivial)      {trivial['rate']:9.0f} req/s")
    print(f"POST /v1/check (by id)      {check['rate']:9.0f} req/s  (non-2xx {check['non_2xx']})")
    print(f"GET /v1/me (key checked)    {me['rate']:9.0f} req/s")
    print(f"check / trivial throughput  {ratio:9.2f}x   (target >= 0.5x)")
    print(f"check / GET /v1/me          {check['rate'] / me['rate']:9.2f}x")
    print(
        f"open loop at {half['rate_asked']:.0f} req/s (half the check's max): "
        f"achieved {half['rate_achieved']:.0f}/s, p50 {half['p50_ms']:.2f} ms, "
        f"p99 {half['p99_ms']:.2f} ms, max {half['max_ms']:.2f} ms (target p99 <= 10 ms); "
        f"statuses {half['statuses']}"
    )
    print(
        f"open loop at {quarter['rate_asked']:.0f} req/s (a quarter): "
        f"p50 {quarter['p50_ms']:.2f} ms, "
        f"p99 {quarter['p99_ms']:.2f} ms, max {quarter['max_ms']:.2f} ms"
    )
    summary = {"trivial": trivial, "me": me, "check": check, "ratio": ratio}
    print(json.dumps(summary | {"half_rate": half, "quarter_rate": quarter}))


if __name__ == "__main__":
    main()
