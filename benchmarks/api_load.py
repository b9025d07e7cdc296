"""Load generators for the API benchmark: `wrk` (Debian package `wrk`) when installed, else a small asyncio
HTTP/1.1 keep-alive client. Both report requests/s and latency percentiles in milliseconds."""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

WRK_SCRIPT = """
wrk.headers["Authorization"] = "Bearer %(token)s"
local template, count = %(template)s, %(count)d
math.randomseed(%(seed)d)
request = function()
  return wrk.format("GET", string.format(template, math.random(0, count - 1)))
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "duration_s": %%.6f, "errors": %%d, "non_2xx": %%d, '
    .. '"p50_ms": %%.3f, "p95_ms": %%.3f, "p99_ms": %%.3f, "mean_ms": %%.3f}\\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.mean / 1000))
end
"""


def which_generator() -> str:
    return "wrk" if shutil.which("wrk") else "asyncio"


def _path(template: str, i: int) -> str:
    return template % i if "%" in template else template


def run_wrk(base_url: str, template: str, count: int, token: str, connections: int, seconds: float) -> dict:
    """`template` is a printf path like /api/v1/accounts/acct-%06d/health, filled with 0..count-1 at random."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            WRK_SCRIPT % {"token": token, "template": json.dumps(template), "count": count, "seed": 11}
        )
    try:
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", script.name,
             base_url],
            capture_output=True, text=True, timeout=seconds + 60, check=True,
        )  # fmt: skip
    finally:
        Path(script.name).unlink(missing_ok=True)
    line = next(line for line in out.stdout.splitlines() if line.startswith("RESULT "))
    result = json.loads(line[len("RESULT ") :])
    result["requests_per_s"] = result["requests"] / result["duration_s"]
    return result


async def _client(
    host: str, port: int, template: str, count: int, token: str, deadline: float, out: list, errs: list
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    rng = random.Random(id(out) ^ port)
    try:
        while time.perf_counter() < deadline:
            path = _path(template, rng.randrange(count))
            request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n"
            start = time.perf_counter()
            writer.write(request.encode())
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            await reader.readexactly(length)
            out.append(time.perf_counter() - start)
            if b" 200 " not in status_line:
                errs.append(status_line)
    finally:
        writer.close()


def run_asyncio(
    base_url: str, template: str, count: int, token: str, connections: int, seconds: float
) -> dict:
    parts = urlsplit(base_url)
    latencies: list[float] = []
    errors: list[bytes] = []

    async def main() -> float:
        deadline = time.perf_counter() + seconds
        start = time.perf_counter()
        await asyncio.gather(
            *(
                _client(parts.hostname, parts.port, template, count, token, deadline, latencies, errors)
                for _ in range(connections)
            )
        )
        return time.perf_counter() - start

    duration = asyncio.run(main())
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000 if ordered else float("nan")

    return {
        "requests": len(ordered),
        "duration_s": duration,
        "errors": 0,
        "non_2xx": len(errors),
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "mean_ms": sum(ordered) / len(ordered) * 1000 if ordered else float("nan"),
        "requests_per_s": len(ordered) / duration,
    }


def load(base_url: str, template: str, count: int, token: str, connections: int, seconds: float) -> dict:
    runner = run_wrk if which_generator() == "wrk" else run_asyncio
    return runner(base_url, template, count, token, connections, seconds)
