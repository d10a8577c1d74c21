"""`make bench` / `make bench-quick`: load the data (once), measure every case, and write
bench/results.md, bench/results.json and bench/latency.png.

Full: databases of 200,000 and 2,000,000 passports; B1 and B3 on both (latency against data
size), every case on the larger. Quick: everything on 200,000 passports with shorter rounds.
"""

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

from bench import http

BENCH = Path(__file__).resolve().parent
RESULTS_MD = BENCH / "results.md"
RESULTS_JSON = BENCH / "results.json"
PLOT = BENCH / "latency.png"
NOTES = BENCH / "notes.md"  # hand-written: profiles, fixes, before/after; appended to results
SIZES = {"200k": 200_000, "2m": 2_000_000}


def database(label: str) -> str:
    return f"autopaspoort_bench_{label}"


def run(command: list[str], *, env=None, capture=False) -> str:
    print("$", " ".join(command), flush=True)
    result = subprocess.run(
        command, cwd=http.BASE_DIR, env=env, check=True, text=True,
        stdout=subprocess.PIPE if capture else None,
    )  # fmt: skip
    return result.stdout if capture else ""


def python(*args, env=None, capture=False) -> str:
    return run([sys.executable, "-m", *args], env=env, capture=capture)


def last_json(output: str) -> dict:
    """The JSON document a benchmark step prints last (one line or indented)."""
    output = output.strip()
    start = 0 if output.startswith("{") else output.rfind("\n{") + 1
    return json.loads(output[start:])


def machine() -> dict:
    cpu = ""
    with open("/proc/cpuinfo") as info:  # noqa: PTH123
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1])
    postgres = run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version"],
                   capture=True).strip()  # fmt: skip
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "postgresql": postgres,
        "pgbench_select_tps": pgbench_tps(),
    }


def pgbench_tps() -> float:
    """`pgbench -S` (read-only point selects) on a small scratch database: a yardstick of how
    fast this machine's PostgreSQL is today, next to the figures."""
    env = {**os.environ, "PGHOST": "127.0.0.1", "PGUSER": "postgres"}
    run(["dropdb", "--if-exists", "autopaspoort_pgbench"], env=env)
    run(["createdb", "autopaspoort_pgbench"], env=env)
    run(["pgbench", "-i", "-q", "-s", "10", "autopaspoort_pgbench"], env=env, capture=True)
    output = run(["pgbench", "-S", "-c", "2", "-j", "2", "-T", "10", "autopaspoort_pgbench"],
                 env=env, capture=True)  # fmt: skip
    run(["dropdb", "autopaspoort_pgbench"], env=env)
    return float(re.search(r"tps = ([\d.]+)", output)[1])


def measure(label: str, *, cases: str, seconds: float, rounds: int) -> dict:
    name = database(label)
    env = {**os.environ, **http.server_env(name)}
    manifest = http.VAR / f"{name}.json"
    output = python(
        "bench.measure", "--manifest", str(manifest), "--cases", cases,
        "--seconds", str(seconds), "--rounds", str(rounds), env=env, capture=True,
    )  # fmt: skip
    return last_json(output)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="200k passports, short rounds")
    parser.add_argument(
        "--report-only", action="store_true", help="rewrite results.md from results.json"
    )
    args = parser.parse_args()
    if args.report_only:
        write_report(json.loads(RESULTS_JSON.read_text()))
        return
    http.VAR.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    labels = ["200k"] if args.quick else ["200k", "2m"]
    seconds, rounds = (2, 5) if args.quick else (4, 5)

    loads = {}
    for label in labels:
        load_started = time.monotonic()
        python("bench.generate", "--passports", str(SIZES[label]), "--database", database(label))
        # Reused data gets the schema changes made since it was loaded.
        env = {**os.environ, **http.server_env(database(label))}
        run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env=env)
        loads[label] = round(time.monotonic() - load_started, 1)

    results = {"mode": "quick" if args.quick else "full", "machine": machine(), "load_s": loads}
    results["data"] = {
        label: {
            key: json.loads((http.VAR / f"{database(label)}.json").read_text()).get(key)
            for key in ("generated_seconds", "database_bytes")
        }
        for label in labels
    }
    largest = labels[-1]
    results["sizes"] = {}
    for label in labels:
        cases = "B1,B2,B3,B4,B5,B8" if label == largest else "B1,B3"
        results["sizes"][label] = measure(label, cases=cases, seconds=seconds, rounds=rounds)
    # One request at a time, in-process: the service time of each page (issue 22: 5x lower).
    results["service"] = last_json(
        python("bench.service_time", "--database", database(labels[0]), "--runs", "200",
               capture=True)
    )  # fmt: skip
    env = {**os.environ, **http.server_env(database(largest))}
    emails = ["--emails", "600"] if args.quick else []  # quick: under five minutes in all
    results["B6"] = last_json(
        python("bench.email", "--database", database(largest), *emails, env=env, capture=True)
    )
    results["B6"].pop("worker_logs", None)  # temporary files of this machine
    results["B7"] = last_json(
        python("bench.bulk", "--database", database(largest), env=env, capture=True)
    )
    results["wall_s"] = round(time.monotonic() - started, 1)
    RESULTS_JSON.write_text(json.dumps(results, indent=2) + "\n")
    write_report(results)


def write_report(results: dict) -> None:
    from bench.report import plot, render

    plot(results, PLOT)
    RESULTS_MD.write_text(render(results, NOTES.read_text() if NOTES.exists() else ""))
    print(f"Wrote {RESULTS_MD}, {RESULTS_JSON} and {PLOT} ({results['wall_s']} s of measuring)")


if __name__ == "__main__":
    main()
