"""The capacity model of docs/scaling.md: peak-hour demand of the Netherlands divided by the
measured throughput per core. `python -m bench.capacity` prints the doc's tables in Markdown.

Two kinds of numbers, kept apart: RATES are measured (bench/results.md, bench/notes.md; replace
them when a new `make bench` is written), DEMAND is assumed (docs/scaling.md says why). A rate
marked "as <page>" was not measured for that page and borrows the figure of a similar one.
"""

import math

# Per core (web) or per worker process (Celery, one core each). (figure, where it comes from)
RATES = {
    "baseline": (650, "measured: baseline page with a session cookie, 2026-12-06"),
    "plate_lookup": (340, "measured: B1 exact plate lookup, 2M cars"),
    "plate_search": (73, "measured: B2 partial plate search, 2M cars"),
    "dashboard": (222, "measured: B3 dashboard page 1, 2M cars"),
    "profile": (40, "measured: B4 customer profile"),
    "portal_car": (33, "measured: B4 owner portal car page"),
    "transfer": (23, "measured: B5 transfer confirmation (a write)"),
    "login": (6.8, "measured: bench.login_time, 148 ms per Argon2 login"),
    "share_pdf": (0.53, "measured: bench.share_pdf, 1.9 s per 17-page PDF"),
    "photo_upload": (5.8, "measured: 0.17 s CPU to validate one 12 MP photo"),
    "photo_versions": (3.1, "measured: 0.32 s CPU for both versions of one 12 MP photo"),
    "email": (224, "measured: B6 emails/s, one worker process, batches"),
    "check": (87, "measured: B8 check page with photos"),
    "garage_other": (40, "as profile (not measured)"),
    "portal_other": (42, "as portal car page (not measured)"),
    "share_page": (62, "measured: B8 share page with photos"),
    "photo_redirect": (340, "as plate lookup (not measured): 3 queries, no template"),
    "api": (340, "as plate lookup (not measured)"),
}

# The peak hour (docs/scaling.md, "Assumptions").
GARAGES = 5_000
# 9 million cars, 2 workshop visits a year, 250 working days, 30% of a day's cars in its first hour.
VISITS_PER_SECOND = 9_000_000 * 2 / 250 * 0.30 / 3600  # 6.0 cars a second
DESK_PER_GARAGE_HOUR = {"dashboard": 30, "plate_lookup": 20, "profile": 20}
PER_VISIT = {
    "plate_lookup": 1,
    "plate_search": 3,  # htmx requests while the plate is typed
    "profile": 3,
    "dashboard": 2,
    "check": 3,
    "photo_upload": 3,  # photos, not requests
    "garage_other": 4,
    "api": 2 / 3,  # a third of garages has a GMS that calls the API twice per car
}
OWNER_VISITS_PER_SECOND = 6_000 / 3600
SHARE_VIEWS_PER_SECOND = 9_000 / 3600

WEB = "web"
WORKER = "worker"


def demand() -> list[tuple[str, str, str, float]]:
    """(what, rate key, where it runs, per second at peak)."""
    garage_hour = GARAGES / 3600
    rows = [
        ("Garage: plate lookup", "plate_lookup"),
        ("Garage: plate search (as you type)", "plate_search"),
        ("Garage: car profile", "profile"),
        ("Garage: dashboard", "dashboard"),
        ("Garage: status check (form, save, result)", "check"),
        ("Garage: photo upload (per photo)", "photo_upload"),
        ("Garage: other pages (quotes, appointments, history)", "garage_other"),
        ("GMS API requests", "api"),
    ]
    result = [
        (
            label,
            key,
            WEB,
            VISITS_PER_SECOND * PER_VISIT[key] + DESK_PER_GARAGE_HOUR.get(key, 0) * garage_hour,
        )
        for label, key in rows
    ]
    result += [
        ("Staff logins (4 per garage)", "login", WEB, 4 * garage_hour),
        ("Transfers confirmed", "transfer", WEB, 800 / 3600),
        ("Owner portal: car page", "portal_car", WEB, OWNER_VISITS_PER_SECOND * 2),
        ("Owner portal: other pages", "portal_other", WEB, OWNER_VISITS_PER_SECOND * 2),
        ("Owner logins (one per visit)", "login", WEB, OWNER_VISITS_PER_SECOND),
        ("Share page views", "share_page", WEB, SHARE_VIEWS_PER_SECOND),
        (
            "Share page photos (10 per view, redirects)",
            "photo_redirect",
            WEB,
            10 * SHARE_VIEWS_PER_SECOND,
        ),
        ("Share PDFs (1 in 20 views)", "share_pdf", WEB, SHARE_VIEWS_PER_SECOND / 20),
        ("Photo versions (Celery)", "photo_versions", WORKER, VISITS_PER_SECOND * 3),
        ("Transactional emails (Celery)", "email", WORKER, VISITS_PER_SECOND + 1),
    ]
    return result


def table() -> str:
    lines = [
        "| what | peak /s | measured /s per core (today) | source | cores |",
        "|---|---:|---:|---|---:|",
    ]
    totals = {WEB: 0.0, WORKER: 0.0}
    for label, key, where, per_second in demand():
        rate, source = RATES[key]
        cores = per_second / rate
        totals[where] += cores
        lines.append(f"| {label} | {per_second:,.1f} | {rate:,} | {source} | {cores:.2f} |")
    lines.append(f"| **web, total** | | | | **{totals[WEB]:.1f}** |")
    lines.append(f"| **workers, total** (without bulk emails) | | | | **{totals[WORKER]:.1f}** |")
    # 60% busy at the peak hour's average: room for the minute-level bursts inside it.
    web_cores = math.ceil(totals[WEB] / 0.6)
    nodes = math.ceil(web_cores / 8)
    lines += [
        "",
        f"Web cores at 60% utilisation: **{web_cores}**, i.e. {nodes} nodes of 8 cores, plus one "
        f"for a node that fails: **{nodes + 1} web nodes**.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
