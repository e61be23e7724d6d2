"""Partner API list benchmark: ``make bench`` (or ``python -m tests.load.bench_api``).

1. Seeds PostgreSQL (``BENCH_DATABASE_URL``, default a ``p2mi_bench`` database on the local
   server, created if missing) with ``BENCH_APPLICATIONS`` applications (default 1,000,000)
   by COPY; a second run reuses them.
2. Starts gunicorn (``BENCH_WORKERS`` workers, default 2) with the portal plus two
   comparison points, then measures, on the same programme, stage and page of 100 rows:
   (a) ``GET /api/v1/applications/?program=…&stage=…`` — the partner API;
   (b) the raw-SQL floor: the same rows by keyset in one query, encoded with orjson;
   (c) a naive DRF baseline: ModelViewSet, nested ModelSerializers, page numbers.
3. Prints requests per second and p95 latency for each, and the ratios a/b and a/c.
"""

from __future__ import annotations

import http.client
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/p2mi_bench")
APPLICATIONS = int(os.environ.get("BENCH_APPLICATIONS", "1000000"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
PORT = int(os.environ.get("BENCH_PORT", "8765"))
STAGE = "documents_verified"
PAGE = 100


def _ensure_database() -> None:
    import psycopg

    url = urlparse(DATABASE_URL)
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def _prepare() -> str:
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.load.bench_settings")
    import django

    django.setup()
    from django.core.management import call_command

    from . import seed

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    seed.seed(APPLICATIONS)
    print(f"seeded in {time.perf_counter() - started:.0f} s")
    _bench, _other, key = seed.fixtures()
    return key


def _start_gunicorn() -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_SETTINGS_MODULE": "tests.load.bench_settings",
        "CONN_MAX_AGE": "60",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "p2mi_portal.wsgi", "--bind", f"127.0.0.1:{PORT}", "--workers", str(WORKERS)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    for _ in range(100):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start: " + process.stderr.read().decode()[-2000:])


def _measure(path: str, headers: dict[str, str], seconds: float) -> tuple[float, float, int]:
    """Requests/s and p95 latency (ms) with CLIENTS threads hammering ``path``."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client():
        mine: list[float] = []
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            connection.close()
            if response.status != 200:
                with lock:
                    failures[0] += 1
                continue
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    p95 = statistics.quantiles(latencies, n=20)[-1] * 1000 if len(latencies) >= 20 else float("nan")
    return len(latencies) / elapsed, p95, failures[0]


def main() -> None:
    _ensure_database()
    key = _prepare()
    from . import seed

    query = urlencode({"program": seed.BENCH_PROGRAM, "stage": STAGE, "page_size": PAGE})
    auth = {"Authorization": f"Api-Key {key}"}
    targets = {
        "a": ("partner API", f"/api/v1/applications/?{query}", auth),
        "b": ("raw SQL + orjson floor", f"/bench/floor/?{query}", {}),
        "c": ("naive DRF baseline", f"/naive/applications/?{query}", auth),
    }
    process = _start_gunicorn()
    results = {}
    try:
        for label, (name, path, headers) in targets.items():
            _measure(path, headers, min(2.0, SECONDS))  # warm-up: connections, caches
            rps, p95, failures = _measure(path, headers, SECONDS)
            results[label] = rps
            note = f"  ({failures} non-200 answers)" if failures else ""
            print(f"({label}) {name:<24} {rps:8.1f} req/s   p95 {p95:7.1f} ms{note}", flush=True)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    print(f"a/b = {results['a'] / results['b']:.2f}   (goal ≥ 0.5)")
    print(f"a/c = {results['a'] / results['c']:.1f}   (goal ≥ 20)")
    print(
        f"{APPLICATIONS:,} applications, page of {PAGE}, {CLIENTS} client threads, "
        f"{WORKERS} gunicorn workers, {SECONDS:.0f} s per endpoint"
    )


if __name__ == "__main__":
    main()
