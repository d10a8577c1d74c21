"""The server under test (gunicorn with the benchmark settings) and the load (wrk, or a small
threaded client for the transfer flow), each pinned to its own core where the machine has two."""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import httpx

BASE_DIR = Path(__file__).resolve().parent.parent
VAR = BASE_DIR / "var" / "bench"
WRK_SCRIPT = Path(__file__).with_name("wrk_report.lua")
# BENCH_PORT: several people measuring on one machine each use their own port.
PORT = int(os.environ.get("BENCH_PORT", "8765"))
HOST = f"http://127.0.0.1:{PORT}"
SECRET_KEY = "bench-only-secret-key-not-used-anywhere-else-0123456789abcdef"
# gthread: keep-alive connections, two workers for two cores, a few threads each for the
# moments a request waits on PostgreSQL.
GUNICORN = ["--worker-class", "gthread", "--workers", "2", "--threads", "4", "--log-level", "error"]
CORES = os.cpu_count() or 1


def pinned(command: list[str], core: int) -> list[str]:
    """Run on one core when there are at least two: server on core 0, load on core 1."""
    return ["taskset", "-c", str(core), *command] if CORES >= 2 else command


def server_env(database: str, redis_db: int = 13) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(VAR)),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_DEBUG": "false",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "CONN_MAX_AGE": "600",
        "REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "RDW_LOOKUP_ENABLED": "false",
        "STATIC_ROOT": str(VAR / "static"),
        "LOG_LEVEL": "ERROR",
    }


def collectstatic(env: dict) -> None:
    # The production storage needs its manifest; collected once, reused by every run.
    if not (VAR / "static" / "staticfiles.json").exists():
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=BASE_DIR,
            env=env,
            check=True,
        )


@contextmanager
def running_server(env: dict):
    collectstatic(env)
    log = open(VAR / "gunicorn.log", "ab")  # noqa: SIM115 - closed below
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{PORT}"]
    process = subprocess.Popen(
        pinned([*command, *GUNICORN], core=0), cwd=BASE_DIR, env=env, stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{HOST}/bench/baseline/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start; see {VAR / 'gunicorn.log'}")
            time.sleep(0.2)
        yield
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def wrk(paths: list[str], *, seconds: float, cookie: str = "", connections: int = 4) -> dict:
    """GET the paths in turn for `seconds`; the figures wrk_report.lua prints."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", dir=VAR, delete=False) as listing:
        listing.write("\n".join(paths) + "\n")
    try:
        command = [
            "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
            "-s", str(WRK_SCRIPT), HOST, "--", listing.name, cookie,
        ]  # fmt: skip
        result = subprocess.run(pinned(command, core=1), capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"wrk failed: {result.stdout}{result.stderr}")
        output = result.stdout
    finally:
        os.unlink(listing.name)
    figures = json.loads(output.strip().splitlines()[-1])
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    if figures["socket_errors"] or figures["bad_status"]:
        raise RuntimeError(f"Errors under load for {paths[0]}: {figures}")
    return figures


def check_paths(paths: list[str], cookie: str, expect: int) -> None:
    """Each benchmarked URL answers what the case expects (not a login page or an error)."""
    for path in paths[:20]:
        response = httpx.get(HOST + path, headers={"Cookie": cookie}, timeout=30)
        if response.status_code != expect:
            raise RuntimeError(f"{path} answered {response.status_code}, expected {expect}")


# --- A threaded client for the transfer flow (three steps with forms) --------------------------


class _Forms(HTMLParser):
    """The inputs of each form on a page, and its submit buttons."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"fields": {}, "buttons": set()})
        elif self.forms and tag in ("input", "button", "textarea", "select"):
            name, value = attrs.get("name"), attrs.get("value") or ""
            if not name:
                return
            if tag == "button" or attrs.get("type") == "submit":
                self.forms[-1]["buttons"].add((name, value))
            elif attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            else:
                self.forms[-1]["fields"][name] = value


def form_data(html: str, button: tuple[str, str], changes: dict | None = None) -> dict:
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if button in form["buttons"]:
            return {**form["fields"], **(changes or {}), button[0]: button[1]}
    raise RuntimeError(f"No button {button} on the page")


def threaded_load(work, *, clients: int, seconds: float, cookie: str = "") -> dict:
    """Run `work(client_index, http)` in a loop from `clients` threads for `seconds`; `work`
    returns the seconds of the request being measured, or None when it has nothing left."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    barrier = threading.Barrier(clients)
    stop_at = [0.0]

    def run(index):
        with httpx.Client(base_url=HOST, timeout=30) as http:
            if cookie:  # in the jar, beside the CSRF cookie the forms set
                name, value = cookie.split("=", 1)
                http.cookies.set(name, value)
            barrier.wait()
            if index == 0:
                stop_at[0] = time.monotonic() + seconds
            while not stop_at[0]:
                time.sleep(0.001)
            while time.monotonic() < stop_at[0]:
                measured = work(index, http)
                if measured is None:
                    break
                latencies[index].append(measured)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    flat = sorted(latency for per_client in latencies for latency in per_client)
    if not flat:
        raise RuntimeError("No request completed")
    quantiles = statistics.quantiles(flat, n=100)
    return {
        "requests": len(flat),
        "rps": len(flat) / elapsed,
        "p50_us": int(quantiles[49] * 1e6),
        "p95_us": int(quantiles[94] * 1e6),
        "p99_us": int(quantiles[98] * 1e6),
    }
