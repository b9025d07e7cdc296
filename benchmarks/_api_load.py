"""Load for the API benchmark: `wrk` (Debian package `wrk`, C, epoll) when it is installed, so the client
does not compete with the server for the GIL on a 2-core machine; else the shared thread client
(`benchmarks._http`). Both give requests/s and latency percentiles in milliseconds."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from benchmarks._http import load as thread_load

WRK_SCRIPT = """
wrk.headers["Authorization"] = "Bearer %(token)s"
local template, count = %(template)s, %(count)d
math.randomseed(11)
request = function()
  return wrk.format("GET", string.format(template, math.random(0, count - 1)))
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "seconds": %%.6f, "errors": %%d, '
    .. '"p50_ms": %%.3f, "p95_ms": %%.3f, "p99_ms": %%.3f}\\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.timeout + e.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def generator() -> str:
    return "wrk" if shutil.which("wrk") else "threads"


def _wrk(base_url: str, template: str, count: int, token: str, connections: int, seconds: float) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % {"token": token, "template": json.dumps(template), "count": count})
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s"]
    try:
        out = subprocess.run(
            [*command, "-s", script.name, base_url],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        )
    finally:
        Path(script.name).unlink(missing_ok=True)
    line = next(line for line in out.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def _threads(base_url: str, template: str, count: int, token: str, connections: int, seconds: float) -> dict:
    # A fixed request count sized to the time asked for, at a rate a Python client can keep up with.
    path = template % (count // 2) if "%" in template else template
    result = thread_load(
        base_url, path, requests=int(150 * seconds), concurrency=connections,
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    return {
        "requests": result.requests,
        "seconds": result.seconds,
        "errors": result.errors,
        "p50_ms": result.percentile(50),
        "p95_ms": result.percentile(95),
        "p99_ms": result.percentile(99),
    }


def load(base_url: str, template: str, count: int, token: str, connections: int, seconds: float) -> dict:
    """GET `template` (a printf path such as /api/v1/accounts/acct-%06d/health, filled with 0..count-1 at
    random) from `connections` clients for about `seconds`; adds `per_second`."""
    runner = _wrk if generator() == "wrk" else _threads
    result = runner(base_url, template, count, token, connections, seconds)
    result["per_second"] = result["requests"] / result["seconds"] if result["seconds"] else 0.0
    return result
