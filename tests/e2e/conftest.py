"""Browser journeys: Debian's Chromium (headless, driven by Playwright's sync API) against the
real application.

What runs for real:
- the app: pytest-django's `live_server` (a thread of this process) on the PostgreSQL test
  database;
- a Celery worker on Redis (`e2e_worker`): a subprocess with the app's own settings, the test
  database, SITE_URL pointing at the live server (so the links in the emails it renders open the
  live server, exactly as delivered) and the file email backend; every journey runs inside
  `worker.publishing()`, so the live server's (and the test's) tasks go to that worker;
- the emails: read from the files the worker wrote, links opened from the email body.

Every journey runs at four viewport widths (`viewport_width`: two phones, a tablet, a laptop).
Every step (`Journey.shot`) saves a full-page screenshot to
e2e-screenshots/<journey>-<width>/<nn>-<step>.png and checks the page as it is:
- axe-core (npm, pinned in package-lock.json, installed by `make browser`): no serious or
  critical violation; the report of every scan is kept beside the screenshots (axe-<step>.json);
- the width: the page is no wider than the viewport (scrollWidth <= innerWidth), else the
  widest elements are named;
and, at the widths in OTHER_LANGUAGE_WIDTHS, opens the same URL (if the page came by GET; each
path once a run) in the other language (nl <-> en) in a twin context with the same cookies, and
checks that too.
Problems are collected through the journey and fail the test at its end, all of them listed
(also in <folder>/problems.txt), so one overflowing page does not hide the rest.

Playwright's sync API runs an event loop in the test thread, which makes Django refuse ORM calls
from it ("You cannot call this from an async context"); the journeys set the data up and poll
the outbox from that thread, so DJANGO_ALLOW_ASYNC_UNSAFE is set while the browser runs.
"""

import contextlib
import email.header
import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db.migrations.loader import MigrationLoader
from playwright.sync_api import Page, expect, sync_playwright

from notifications.models import Notification
from notifications.rendering import build_message
from tests.accounts.factories import PASSWORD
from tests.conftest import AXE_CORE, CHROMIUM
from tests.notifications.conftest import Worker, running_worker
from tests.transfers.factories import mail_file_texts, parse_mail_file

E2E = [
    pytest.mark.needs_browser,
    pytest.mark.needs_postgres,
    pytest.mark.needs_redis,
    pytest.mark.django_db(transaction=True),
]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "e2e-screenshots"
AXE = AXE_CORE
STEP_TIMEOUT_MS = 10_000  # one page or one htmx swap; a failing step fails within this
DELIVERY_TIMEOUT = 30  # seconds for the worker to deliver an email
# Width -> height: two common phones, a tablet upright, a laptop.
VIEWPORTS = {360: 780, 390: 844, 768: 1024, 1280: 900}
PHONES = (360, 390)  # mobile, touch contexts (the meta viewport applies, as on a phone)
# The widths every journey runs at: the narrowest phone (a page that fits 360 px fits 390 px),
# a tablet and a desktop. 390 px is the width of the journeys that run at one width only
# (CI time: the fourth width cost about a quarter of the browser journeys' minutes).
JOURNEY_WIDTHS = (360, 768, 1280)
# The other language is checked at one width per journey only (it doubles the scans; CI time).
OTHER_LANGUAGE_WIDTHS = (360, 390)
# (language, path with the numbers left out) checked in the other language: once per run (the
# login page, the dashboard, the profile come back in many journeys).
TWINNED: set[tuple[str, str]] = set()
NEW_PASSWORD = "Nieuw-wachtwoord-2024"
LINK = re.compile(r"https?://[^\s\"'<>]+")

# Counts htmx requests in flight and swaps done, so a step can wait until htmx is done instead
# of sleeping (htmx dispatches these events on the element, and they bubble to the document).
HTMX_PROBE = """
window.__htmx = {inFlight: 0, settled: 0};
document.addEventListener("htmx:beforeRequest", () => { window.__htmx.inFlight += 1; });
document.addEventListener("htmx:afterRequest", () => { window.__htmx.inFlight -= 1; });
document.addEventListener("htmx:afterSettle", () => { window.__htmx.settled += 1; });
"""


# --- The worker -------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def e2e_worker(django_db_setup, live_server, tmp_path_factory):
    """A Celery worker like tests/notifications' `real_worker`, but with SITE_URL set to the
    live server (that fixture's worker keeps the default SITE_URL, so its links would point at
    127.0.0.1:8000) and the RDW lookups off, as in the test settings."""
    with running_worker(
        tmp_path_factory.mktemp("e2e-worker"),
        queue_prefix="e2e",
        extra_env={"SITE_URL": live_server.url, "RDW_LOOKUP_ENABLED": "false"},
    ) as worker:
        yield worker


class Inbox:
    """The emails the worker delivers during one journey, each read once."""

    def __init__(self, worker: Worker):
        self.worker = worker
        self.read = set(worker.sent_mail())  # earlier journeys' emails are not this one's

    def delivered(self, *, kind, recipient) -> str:
        """Wait until the worker has sent the newest email of `kind` to `recipient`; its texts
        (subject, text and HTML body), as delivered."""
        deadline = time.monotonic() + DELIVERY_TIMEOUT
        notification = None
        while time.monotonic() < deadline:
            notification = (
                Notification.objects.filter(kind=kind, recipient=recipient).order_by("-id").first()
            )
            if notification is not None and notification.state == Notification.State.SENT:
                # Kinds differ by subject; the app renders it the way the worker did.
                subject = build_message(notification).subject
                new = [
                    text
                    for text in self.worker.sent_mail()
                    if text not in self.read
                    and parse_mail_file(text)["To"] == recipient
                    and header_text(parse_mail_file(text)["Subject"]) == subject
                ]
                assert len(new) == 1, new
                self.read.add(new[0])
                return mail_file_texts(parse_mail_file(new[0]))
            time.sleep(0.1)  # polling the outbox row, bounded by the deadline
        pytest.fail(
            f"No {kind} email sent to {recipient} after {DELIVERY_TIMEOUT}s "
            f"({notification and notification.state}).\nWorker log:\n{self.worker.log()}"
        )

    def all_delivered(self) -> None:
        """Wait until no email of the journey is still pending, and none failed."""
        deadline = time.monotonic() + DELIVERY_TIMEOUT
        while Notification.objects.filter(state=Notification.State.PENDING).exists():
            if time.monotonic() > deadline:
                pending = list(Notification.objects.filter(state=Notification.State.PENDING))
                pytest.fail(f"Emails still pending: {pending}\n{self.worker.log()}")
            time.sleep(0.1)  # polling the outbox, bounded by the deadline
        assert not Notification.objects.filter(state=Notification.State.FAILED).exists()


def header_text(value: str) -> str:
    return str(email.header.make_header(email.header.decode_header(value)))


def link_in(text: str, path_pattern: str) -> str:
    """The one link of an email whose path matches `path_pattern`, exactly as delivered."""
    links = {link for link in LINK.findall(text) if re.search(path_pattern, urlsplit(link).path)}
    assert len(links) == 1, text
    return links.pop()


SERIOUS = ("serious", "critical")


@dataclass
class AxeResult:
    serious: list[dict]  # violations of impact serious or critical
    passed: set[str]  # the rules that found something to check and found it right


# --- The width check -------------------------------------------------------------------------

# The page's width against the viewport; when it is wider, the elements that stick out the
# furthest (outside any scrolling box, which may be wider: a table in .overflow-auto).
WIDTH_CHECK = """
limit => {
  limit = Math.min(limit, window.innerWidth);
  const width = document.documentElement.scrollWidth;
  if (width <= limit) return null;
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (typeof el.className === "string" && el.className.trim()
      ? "." + el.className.trim().split(/\\s+/).join(".") : "");
  const scrolls = el => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right + window.scrollX > limit + 1 && !scrolls(el)) {
      wide.push({element: name(el), in: el.parentElement ? name(el.parentElement) : "",
                 right: Math.round(box.right + window.scrollX), width: Math.round(box.width)});
    }
  }
  wide.sort((a, b) => b.right - a.right);
  return {scrollWidth: width, viewport: limit, widest: wide.slice(0, 6)};
}
"""


def width_problem(page: Page, width: int) -> str | None:
    """None if the page fits the viewport, else what sticks out."""
    found = page.evaluate(WIDTH_CHECK, width)
    if found is None:
        return None
    widest = "; ".join(
        f"{item['element']} (in {item['in']}) to {item['right']}px" for item in found["widest"]
    )
    return f"{found['scrollWidth']}px wide in a {found['viewport']}px viewport: {widest}"


# --- The browser ------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser():
    """One headless Chromium for all journeys; every persona gets a fresh, empty context."""
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


class Journey:
    """One journey at one width: its personas' browser pages, its screenshots, its checks
    (axe, width, the other language) and its inbox."""

    def __init__(self, *, name: str, browser, base_url: str, inbox: Inbox, width: int):
        self.name = name
        self.browser = browser
        self.base_url = base_url
        self.inbox = inbox
        self.width = width
        self.folder = SCREENSHOTS / name
        shutil.rmtree(self.folder, ignore_errors=True)  # no stale steps of an older run
        self.folder.mkdir(parents=True, exist_ok=True)
        self.step = 0
        self.contexts = []
        self.csp_violations: list[str] = []
        self.problems: list[str] = []  # axe and width findings, failed at the journey's end
        self.scans: dict[str, AxeResult] = {}
        self.methods: dict[Page, str] = {}  # the HTTP method that brought each page's document
        self.twins: dict[str, Page] = {}  # language -> the page that re-opens URLs in it

    def page(self, *, locale: str = "en-US") -> Page:
        """A new person at a new browser: an empty context (no cookies, no storage)."""
        phone = self.width in PHONES
        context = self.browser.new_context(
            base_url=self.base_url,
            locale=locale,
            viewport={"width": self.width, "height": VIEWPORTS[self.width]},
            is_mobile=phone,
            has_touch=phone,
        )
        context.set_default_timeout(STEP_TIMEOUT_MS)
        context.add_init_script(HTMX_PROBE)
        self.contexts.append(context)
        page = context.new_page()
        # Chromium reports every blocked script, style or eval on the console. Those of code
        # with no URL are the tests' own (axe, evaluated through DevTools, sets a style while it
        # scans the admin), not the app's: its scripts all come from a URL.
        page.on(
            "console",
            lambda msg: (
                "Content Security Policy" in msg.text
                and msg.location.get("url")
                and self.csp_violations.append(f"{page.url}: {msg.text} {msg.location}")
            ),
        )
        page.on(
            "response",
            lambda response: (
                response.request.resource_type == "document"
                and response.frame == page.main_frame
                and self.methods.__setitem__(page, response.request.method)
            ),
        )
        return page

    def shot(self, page: Page, step: str) -> Path:
        """A screenshot of the step, and the checks of the page as it is now."""
        self.step += 1
        wait_for_htmx(page, swaps=0)  # the picture of the page, not of a request on its way
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{self.step:02d}-{step}.png"
        page.screenshot(path=path, full_page=True)
        self.check(page, f"{self.step:02d}-{step}")
        if self.width in OTHER_LANGUAGE_WIDTHS:
            self.check_other_language(page, step)
        return path

    def check(self, page: Page, label: str) -> AxeResult:
        """axe and the width check on the page as it is; findings go to `problems`."""
        where = f"{label} ({urlsplit(page.url).path}, {self.width}px)"
        too_wide = width_problem(page, self.width)
        if too_wide:
            self.problems.append(f"width: {where}: {too_wide}")
        result = self.scans[label] = axe_scan(self, page, label)
        for violation in result.serious:
            self.problems.append(
                f"axe {violation['impact']}: {where}: {violation['id']} "
                f"({violation['help']}): {violation['nodes']}"
            )
        return result

    def check_other_language(self, page: Page, step: str) -> None:
        """The same URL in the other language, opened by GET in a twin context with the
        page's cookies (so the same person, logged in) and the language cookie set. Pages a
        POST rendered are left out (a GET would not show them), and each path once (TWINNED)."""
        if self.methods.get(page) != "GET":
            return
        language = "en" if page.evaluate("document.documentElement.lang") == "nl" else "nl"
        url = urlsplit(page.url)
        seen = (language, re.sub(r"\d+", "N", f"{url.path}?{url.query}"))  # /garage/N/ once
        if seen in TWINNED:
            return
        TWINNED.add(seen)
        if language not in self.twins:
            self.twins[language] = self.page(locale="nl-NL" if language == "nl" else "en-US")
        twin = self.twins[language]
        twin.context.clear_cookies()
        cookies = [c for c in page.context.cookies() if c["name"] != settings.LANGUAGE_COOKIE_NAME]
        language_cookie = {"name": settings.LANGUAGE_COOKIE_NAME, "value": language}
        twin.context.add_cookies([*cookies, {**language_cookie, "url": self.base_url}])
        twin.goto(page.url)
        self.check(twin, f"{self.step:02d}-{step}-{language}")

    def shot_every_page(self, step: str) -> None:
        """After a failure: what every persona's page showed."""
        pages = [page for context in self.contexts for page in context.pages]
        for number, page in enumerate(pages, start=1):
            with contextlib.suppress(Exception):  # a picture, if the page can still give one
                page.screenshot(path=self.folder / f"{step}-{number}.png", full_page=True)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture(params=JOURNEY_WIDTHS, ids=lambda width: f"{width}px")
def viewport_width(request) -> int:
    """Every journey at every width (in CSS pixels)."""
    return request.param


@pytest.fixture
def journey(request, browser, live_server, e2e_worker, settings, viewport_width):
    """The journey of the test (named after it): emails go to the worker, links to the live
    server."""
    settings.SITE_URL = live_server.url
    expect.set_options(timeout=STEP_TIMEOUT_MS)
    name = request.node.originalname.removeprefix("test_").replace("_", "-")
    current = Journey(
        name=f"{name}-{viewport_width}",
        browser=browser,
        base_url=live_server.url,
        inbox=Inbox(e2e_worker),
        width=viewport_width,
    )
    try:
        with e2e_worker.publishing():
            yield current
            if getattr(request.node, "e2e_failed", False):
                current.shot_every_page("failed")
            if current.problems:
                (current.folder / "problems.txt").write_text("\n".join(current.problems) + "\n")
            # Nothing the journey queued may still be on its way when the database is flushed.
            current.inbox.all_delivered()
            assert not current.csp_violations, "\n".join(current.csp_violations)
    finally:
        current.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A journey that got to its end fails there if a page had an axe or width problem: every
    problem listed, not only the first."""
    result = yield
    current = getattr(item, "funcargs", {}).get("journey")
    if isinstance(current, Journey) and current.problems:
        pytest.fail(f"{len(current.problems)} problem(s):\n" + "\n".join(current.problems))
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Lets the `journey` fixture know the test failed, so it keeps a picture of every page."""
    report = yield
    if report.when == "call" and report.failed:
        item.e2e_failed = True
    return report


# --- Steps every journey takes ----------------------------------------------------------------


def field(page_or_locator, label: str):
    """A form control by its label as a person reads it (Django adds a colon)."""
    return page_or_locator.get_by_label(re.compile(rf"^\s*{re.escape(label)}:?\s*$"))


def log_in(journey: Journey, page: Page, email: str, password: str = PASSWORD, *, step="log-in"):
    """Through the login page, as a person does it."""
    page.goto("/accounts/login/")
    fill_login(journey, page, email, password, step=step)


def fill_login(journey: Journey, page: Page, email: str, password: str = PASSWORD, *, step):
    field(page, "Email address").fill(email)
    field(page, "Password").fill(password)
    journey.shot(page, step)
    page.locator("main form").get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))


def wait_for_htmx(page: Page, *, swaps: int = 1) -> None:
    """Until htmx has no request in flight and has swapped at least `swaps` times."""
    page.wait_for_function(
        "n => window.__htmx.inFlight === 0 && window.__htmx.settled >= n", arg=swaps
    )


def menu_link(page: Page, name: str):
    """A link of the main menu, unfolding the menu first where it is folded (phones)."""
    summary = page.locator("details.site-menu > summary")
    if summary.is_visible() and page.locator("details.site-menu[open]").count() == 0:
        summary.click()
    return page.get_by_role("navigation", name="Menu").get_by_role("link", name=name, exact=True)


def message(page: Page, text: str):
    """A flash message (role status or alert) containing `text`."""
    return page.locator("section.messages .message").filter(has_text=text)


# --- Accessibility ----------------------------------------------------------------------------


def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"axe-core is not installed ({AXE} is missing): run `make browser`")
    return AXE.read_text()


def axe_scan(journey: Journey, page: Page, label: str) -> AxeResult:
    """Run axe-core (npm) on the page as it is now. Every violation and every "needs
    review" item is kept beside the screenshots (axe-<label>.json)."""
    wait_for_htmx(page, swaps=0)  # scan the page people read, not a half-loaded one
    # Evaluated through the DevTools protocol: an injected <script> would be (rightly) blocked
    # by the Content-Security-Policy, which allows no inline script. Once per document.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    # Only the violations in full: the passes and "needs review" with one node each (faster).
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")

    def summary(rule):
        return {
            "page": label,
            "url": urlsplit(page.url).path,
            "id": rule["id"],
            "impact": rule["impact"],
            "help": rule["help"],
            "nodes": [node["target"] for node in rule["nodes"]],
        }

    violations = [summary(rule) for rule in result["violations"]]
    report = {"violations": violations, "incomplete": [summary(r) for r in result["incomplete"]]}
    (journey.folder / f"axe-{label}.json").write_text(json.dumps(report, indent=2))
    return AxeResult(
        serious=[violation for violation in violations if violation["impact"] in SERIOUS],
        passed={rule["id"] for rule in result["passes"]},
    )


# --- Data the migrations make, which the flush of a transactional test removes ----------------


def support_group() -> Group:
    """The support group as the migrations build it: every migration that defines
    SUPPORT_PERMISSIONS grants them (accounts/0002 and each app's "support_permissions"). A
    transactional test's flush empties auth_group, so a journey rebuilds it from that source."""
    group, _ = Group.objects.get_or_create(name="support")
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for migration in loader.disk_migrations.values():
        spec = getattr(sys.modules[migration.__module__], "SUPPORT_PERMISSIONS", ())
        for app_label, model, codenames in spec:
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label,
                    content_type__model=model,
                    codename__in=codenames,
                )
            )
    return group
