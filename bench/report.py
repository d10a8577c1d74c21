"""bench/results.md and bench/latency.png from the figures bench.run collected."""

import json
from datetime import date
from pathlib import Path


def _fmt(value, digits=2) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


SERVICE_BEFORE = Path(__file__).with_name("service_before.json")
# bench.service_time's pages and the case each belongs to.
SERVICE_PAGES = {
    "lookup": "B1 exact plate lookup",
    "search": "B2 partial plate search",
    "dashboard": "B3 dashboard",
    "profile": "B4 customer profile",
    "portal_car": "B4 owner portal car",
    "check_with_photos": "B8 check page with photos",
    "share_page": "B8 share page with photos",
}


def goals(results: dict) -> list[tuple[str, str, str, object, bool | None]]:
    """(case, what, goal, measured, met) for every goal of issue 22 (and the earlier ones)."""
    sizes = results["sizes"]
    largest = list(sizes)[-1]
    big = sizes[largest]
    rows = []

    def add(case, what, goal, measured, met):
        rows.append((case, what, goal, measured, met if measured is not None else None))

    def at_most(case, what, limit, measured):
        add(case, what, f"≤ {limit}", measured, measured is not None and measured <= limit)

    b1 = big.get("B1", {})
    at_most("B1", f"exact plate lookup, p50 / baseline ({largest})", 2, b1.get("ratio_p50"))
    if "2m" in sizes and "200k" in sizes:
        growth = sizes["2m"]["B1"]["p50_ms"] / sizes["200k"]["B1"]["p50_ms"]
        at_most("B1", "p50 at 2M / p50 at 200k passports", 1.1, growth)
    else:
        add("B1", "p50 at 2M / p50 at 200k passports", "≤ 1.1", None, None)
    at_most("B2", "partial plate search, p95 / baseline", 4, big.get("B2", {}).get("ratio_p95"))
    b3 = big.get("B3", {})
    if b3:
        at_most("B3", "dashboard page 200 / page 1, p95", 1.1, b3["page200_over_page1_p95"])
        worst = max(b3["page1"]["ratio_p95"], b3["page200"]["ratio_p95"])
        at_most("B3", "dashboard (10,000 cars) p95 / baseline", 4, worst)
    b4 = big.get("B4", {})
    for page, label in (("profile", "customer profile"), ("portal", "owner portal car page")):
        if page in b4:
            at_most("B4", f"{label} (50 history, 10 checks), p95 / baseline", 4,
                    b4[page]["ratio_p95"])  # fmt: skip
    b8 = big.get("B8", {})
    for page, label in (("share", "share page with photos"), ("check", "check page with photos")):
        if page in b8:
            at_most("B8", f"{label}, p95 / baseline", 4, b8[page]["ratio_p95"])
    b5 = big.get("B5", {})
    if b5:
        add("B5", "transfers, throughput / baseline (20 clients)", "≥ 0.1",
            b5["ratio_rps"], b5["ratio_rps"] >= 0.1)  # fmt: skip
        at_most("B5", "transfers, p99 / p50", 5, b5["p99_over_p50"])
        # Since issue 22 one waiting batch task delivers every pending email (it claims 100,
        # then publishes the next): what must hold is one email per transfer and a task
        # waiting for them, not a task per email.
        same = b5["emails_queued"] == b5["transfers_committed"] and b5["tasks_enqueued"] >= 1
        measured = (
            f"{b5['transfers_committed']} / {b5['emails_queued']} / "
            f"{b5['tasks_enqueued']} batch task(s)"
        )
        add("B5", "transfers committed / emails queued / delivery tasks waiting",
            "equal / ≥ 1", measured, same)  # fmt: skip
    b6 = results.get("B6", {})
    if b6:
        ratio = b6.get("ratio")
        add("B6", "emails/s / no-op tasks/s (one worker, SMTP sink)", "≥ 0.5",
            ratio, ratio is not None and ratio >= 0.5)  # fmt: skip
        per_email = b6.get("connections_per_email")
        add("B6", "SMTP connections per email", "reused (≪ 1)",
            per_email, per_email is not None and per_email < 0.5)  # fmt: skip
    b7 = results.get("B7", {})
    if b7:
        at_most("B7", "API bulk import of 10,000 / bulk_create of 10,000", 3, b7.get("ratio"))
        queries = b7.get("queries_per_batch_of_1000")
        bounded = queries is not None and queries == b7.get("queries_per_batch_of_10")
        add("B7", "queries per batch of 1,000 (= per batch of 10)", "bounded", queries, bounded)
    for _page, label, before, after in service_rows(results):
        faster = before["cpu_median_ms"] / after["cpu_median_ms"]
        add("service", f"{label}: CPU per request, before / now", "≥ 5", faster, faster >= 5)
    return rows


def service_rows(results: dict) -> list[tuple[str, str, dict, dict]]:
    """(page, label, before, now) of bench.service_time, where both were measured."""
    now = results.get("service", {}).get("pages", {})
    if not now or not SERVICE_BEFORE.exists():
        return []
    before = json.loads(SERVICE_BEFORE.read_text())["pages"]
    return [
        (page, label, before[page], now[page])
        for page, label in SERVICE_PAGES.items()
        if page in before and page in now
    ]


def _service_table(results: dict) -> str:
    rows = service_rows(results)
    if not rows:
        return ""
    out = [
        "\n## Service time of one request (`bench.service_time`)\n\n"
        "One request at a time through Django's test client, production settings, on the "
        f"{results['service']['database']} database ({results['service']['runs']} requests per "
        "page). CPU is this process's own time per request, steadier on a busy machine than "
        "the wall time; *before* is the commit before issue 22 "
        "(`bench/service_before.json`).\n\n"
        "| page | before: wall / CPU ms, queries | now: wall / CPU ms, queries "
        "| CPU before / now |\n"
        "|---|---|---|---|\n"
    ]
    for _page, label, before, now in rows:
        out.append(
            f"| {label} | {_fmt(before['median_ms'])} / {_fmt(before['cpu_median_ms'])}, "
            f"{before['queries']} | {_fmt(now['median_ms'])} / {_fmt(now['cpu_median_ms'])}, "
            f"{now['queries']} | {_fmt(before['cpu_median_ms'] / now['cpu_median_ms'])} |\n"
        )
    return "".join(out)


def _case_rows(label: str, name: str, figures: dict) -> str:
    return (
        f"| {label} | {name} | {_fmt(figures['p50_ms'])} | {_fmt(figures['p95_ms'])} | "
        f"{_fmt(figures['p99_ms'])} | {_fmt(figures['rps'], 0)} | "
        f"{_fmt(figures['baseline_p50_ms'])} | {_fmt(figures['baseline_p95_ms'])} | "
        f"{_fmt(figures['baseline_rps'], 0)} | {_fmt(figures['ratio_p50'])} | "
        f"{_fmt(figures['ratio_p95'])} | {_fmt(figures['ratio_rps'])} |\n"
    )


def render(results: dict, notes: str) -> str:
    m = results["machine"]
    out = [
        "# Benchmark results\n\n",
        f"Written by `make {'bench-quick' if results['mode'] == 'quick' else 'bench'}` on "
        f"{date.today().isoformat()} ({results['mode']} run, {_fmt(results['wall_s'], 0)} s). "
        "Every figure is measured interleaved with a baseline page (a constant HTML page "
        "through the same middleware and server): baseline, subject, baseline, subject ..., "
        f"{list(results['sizes'].values())[-1]['B1']['rounds']} rounds; a ratio is the median "
        "of the per-round ratios. Absolute times on a shared machine are noise; the ratios are "
        "the result.\n\n",
        "## Machine\n\n",
        f"- {m['cores']} cores ({m['cpu']}), {m['memory_gb']} GB memory, Python {m['python']}, "
        f"PostgreSQL {m['postgresql']}\n",
        f"- `pgbench -S` (2 clients, 10 s, scale 10): **{_fmt(m['pgbench_select_tps'], 0)} TPS**\n",
        "- Server: gunicorn (gthread, 2 workers × 4 threads, persistent database connections) "
        "with the production settings, pinned to core 0; load: wrk (1 thread, 4 connections) "
        "or the threaded transfer client (20 clients), pinned to core 1.\n",
        "- Data (`bench.generate`: COPY, indexes built after loading, reused by later runs): "
        + ", ".join(
            f"{label}: loaded in {_fmt(data['generated_seconds'], 0)} s, "
            f"{data['database_bytes'] / 1e9:.1f} GB"
            for label, data in results.get("data", {}).items()
        )
        + "\n\n",
        "## Goals\n\n| case | figure | goal | measured | met |\n|---|---|---|---|---|\n",
    ]
    for case, what, goal, measured, met in goals(results):
        verdict = "n/a" if met is None else ("yes" if met else "**no**")
        out.append(f"| {case} | {what} | {goal} | {_fmt(measured)} | {verdict} |\n")
    out.append(
        "\n## Every figure\n\nTimes in ms, throughput in requests/s.\n\n"
        "| passports | case | p50 | p95 | p99 | req/s | base p50 | base p95 | base req/s | "
        "p50 ratio | p95 ratio | req/s ratio |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    for size in results["sizes"].values():
        cases = [
            ("B1 exact plate lookup", size.get("B1")),
            ("B2 partial plate search", size.get("B2")),
            ("B3 dashboard page 1", size.get("B3", {}).get("page1")),
            ("B3 dashboard page 200", size.get("B3", {}).get("page200")),
            ("B4 customer profile", size.get("B4", {}).get("profile")),
            ("B4 owner portal car", size.get("B4", {}).get("portal")),
            ("B5 transfer (confirm)", size.get("B5")),
            ("B8 share page with photos", size.get("B8", {}).get("share")),
            ("B8 check page with photos", size.get("B8", {}).get("check")),
        ]
        for name, figures in cases:
            if figures:
                out.append(_case_rows(f"{size['passports']:,}", name, figures))
    out.append(_service_table(results))
    for case in ("B6", "B7"):
        if results.get(case):
            out.append(f"\n{case}: `{results[case]}`\n")
    out.append("\n![Latency against data size](latency.png)\n")
    if notes.strip():
        out.append("\n" + notes.strip() + "\n")
    return "".join(out)


def plot(results: dict, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = results["sizes"]
    counts = [size["passports"] for size in sizes.values()]
    figure, axis = plt.subplots(figsize=(7, 4), dpi=120)
    series = [
        ("B1 exact lookup", lambda s: s["B1"]),
        ("B3 dashboard page 1", lambda s: s["B3"]["page1"]),
        ("B3 dashboard page 200", lambda s: s["B3"]["page200"]),
        ("baseline", lambda s: {"p50_ms": s["B1"]["baseline_p50_ms"],
                                "p95_ms": s["B1"]["baseline_p95_ms"]}),
    ]  # fmt: skip
    for name, pick in series:
        for key, style in (("p50_ms", "-o"), ("p95_ms", "--o")):
            values = [pick(size)[key] for size in sizes.values()]
            axis.plot(counts, values, style, label=f"{name} {key[:3]}")
    axis.set_xscale("log")
    axis.set_xlabel("passports in the database")
    axis.set_ylabel("latency (ms)")
    axis.set_title("Latency against data size (gunicorn, production settings)")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
