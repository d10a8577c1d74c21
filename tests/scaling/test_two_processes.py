"""Two app processes, nothing node-local (docs/scaling.md).

Two gunicorns, each with its own working folder, MEDIA_ROOT, STATIC_ROOT and mail folder, on
their own ports, with the production settings (tests/scaling/node_settings.py), against the
test's PostgreSQL database and Redis; photos go to an S3-compatible server (moto) as in
production. What one process does, the other sees: sessions, rate limits and lockouts, the
dashboard cache, photos. The data the test makes through the ORM is committed
(transaction=True) so the processes see it.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import boto3
import httpx
import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from moto.server import ThreadedMotoServer

from accounts.models import User
from core import ratelimit
from photos.models import CheckPhoto
from tests.accounts.factories import PASSWORD
from tests.autopaspoort.factories import PassportFactory, record_check
from tests.garage.factories import GarageFactory
from tests.photos.images import jpeg_bytes

pytestmark = [
    pytest.mark.needs_postgres,
    pytest.mark.needs_redis,
    pytest.mark.django_db(transaction=True),
]

BASE_DIR = Path(settings.BASE_DIR)
BUCKET = "autopaspoort-scaling"
REGION = "eu-central-1"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STAT = re.compile(r'class="stat-value">(\d+)<')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict  # the test database pytest-django made
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{quote(db['USER'], safe='')}{password}@{host}:{port}/{db['NAME']}"


@dataclass
class Node:
    name: str
    url: str
    folder: Path
    process: subprocess.Popen
    cache_prefix: str

    def client(self) -> httpx.Client:
        # A client of its own per node: cookies do not tell ports apart, so one shared jar
        # would hand A's session to B without the test saying so.
        return httpx.Client(base_url=self.url, timeout=10)

    def log(self) -> str:
        return (self.folder / "gunicorn.log").read_text(errors="replace")[-3000:]


def _start(name: str, folder: Path, env: dict) -> Node:
    folder.mkdir()
    port = _free_port()
    env = {
        **env,
        "MEDIA_ROOT": str(folder / "media"),
        "STATIC_ROOT": str(folder / "static"),
        "EMAIL_FILE_PATH": str(folder / "mail"),
        "HOME": str(folder),
    }
    log = open(folder / "gunicorn.log", "wb")  # noqa: SIM115 - the process holds it
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--worker-class", "gthread", "--workers", "1", "--threads", "4"]
    process = subprocess.Popen(
        command, cwd=folder, env=env, stdout=log, stderr=log, start_new_session=True
    )
    return Node(name, f"http://127.0.0.1:{port}", folder, process, env["SCALING_CACHE_PREFIX"])


def _wait_ready(node: Node) -> None:
    deadline = time.monotonic() + 30
    while True:
        with suppress(httpx.HTTPError):
            if httpx.get(f"{node.url}/healthz", timeout=1).status_code == 200:
                return
        if node.process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"node {node.name} did not start:\n{node.log()}")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def s3_url():
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=url,
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
        region_name=REGION,
    )
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    yield url
    server.stop()


@pytest.fixture(scope="module")
def nodes(django_db_setup, s3_url, tmp_path_factory):
    """Processes A and B. Only what every node of a deployment shares is the same: the secret
    key, PostgreSQL, Redis and the object store."""
    prefix = f"scaling-{uuid.uuid4().hex[:12]}"
    env = {
        "PATH": "",
        "PYTHONPATH": str(BASE_DIR),
        "DJANGO_SETTINGS_MODULE": "tests.scaling.node_settings",
        "DJANGO_DEBUG": "false",
        "SECRET_KEY": f"scaling-test-{uuid.uuid4().hex}{uuid.uuid4().hex}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "SCALING_CACHE_PREFIX": prefix,
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "RDW_LOOKUP_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
        "MEDIA_STORAGE": "s3",
        "AWS_ACCESS_KEY_ID": "test-key",
        "AWS_SECRET_ACCESS_KEY": "test-secret",
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": s3_url,
        "AWS_S3_REGION_NAME": REGION,
    }
    root = tmp_path_factory.mktemp("nodes")
    started = []
    try:
        started = [_start(name, root / name, env) for name in ("a", "b")]
        for node in started:
            _wait_ready(node)
        yield started
    finally:
        for node in started:
            # The whole process group, master and worker at once: a graceful stop takes
            # seconds, and these processes have nothing to finish.
            if node.process.poll() is None:
                os.killpg(node.process.pid, signal.SIGKILL)
            node.process.wait(timeout=10)
        redis = cache._cache.get_client(write=True)
        keys = list(redis.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            redis.delete(*keys)


def _argon2(password: str) -> str:
    # The processes check passwords with the app's hashers (Argon2 first); the test settings
    # hash with MD5 for speed, which the app would not accept.
    hasher = Argon2PasswordHasher()
    return hasher.encode(password, hasher.salt())


@pytest.fixture
def garage():
    garage = GarageFactory(name="Garage Schaal")
    User.objects.filter(pk=garage.account_user_id).update(password=_argon2(PASSWORD))
    return garage


def _token(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text[:500]
    return TOKEN.search(response.text).group(1)


def _log_in(client: httpx.Client, email: str, password: str = PASSWORD) -> httpx.Response:
    token = _token(client.get("/accounts/login/"))
    return client.post(
        "/accounts/login/",
        data={"username": email, "password": password, "csrfmiddlewaretoken": token},
    )


def _session_of(source: httpx.Client, target: httpx.Client) -> None:
    target.cookies.set("sessionid", source.cookies["sessionid"], domain="127.0.0.1")


def _stock_count(client: httpx.Client, garage) -> int:
    response = client.get(reverse("garage:dashboard", kwargs={"garage_id": garage.pk}))
    assert response.status_code == 200, response.text[:500]
    return int(STAT.search(response.text).group(1))  # the first figure: stock cars


def test_a_login_on_one_process_is_valid_on_the_other(nodes, garage):
    a, b = (node.client() for node in nodes)
    dashboard = reverse("garage:dashboard", kwargs={"garage_id": garage.pk})

    logged_in = _log_in(a, garage.email)

    assert logged_in.status_code == 302, nodes[0].log()
    assert b.get(dashboard).status_code == 302  # B without the cookie: to the login
    _session_of(a, b)
    page = b.get(dashboard)
    assert page.status_code == 200
    assert "Garage Schaal" in page.text
    # Logging out on B ends the session on A too.
    b.post("/accounts/logout/", data={"csrfmiddlewaretoken": _token(b.get(dashboard))})
    assert a.get(dashboard).status_code == 302


def _wait_for_fresh_window(limit: ratelimit.Limit, room: float = 10) -> None:
    # The counters are per fixed window: don't start a count a few seconds before it ends.
    left = limit.window_seconds - time.time() % limit.window_seconds
    if left < room:
        time.sleep(left + 0.1)


def test_the_email_link_limit_counts_requests_on_both_processes(nodes):
    clients = [node.client() for node in nodes]
    tokens = [_token(client.get("/accounts/password/reset/")) for client in clients]
    email = f"nobody-{uuid.uuid4().hex[:8]}@example.nl"
    _wait_for_fresh_window(ratelimit.EMAIL_LINK_PER_ADDRESS)
    statuses = []
    for attempt in range(ratelimit.EMAIL_LINK_PER_ADDRESS.max_hits + 1):
        client, token = clients[attempt % 2], tokens[attempt % 2]  # A, B, A, B, ...
        statuses.append(
            client.post(
                "/accounts/password/reset/", data={"email": email, "csrfmiddlewaretoken": token}
            ).status_code
        )

    # One process alone would allow 5 and refuse the 6th; split over two, the same.
    assert statuses == [302] * 5 + [429]


def test_the_login_lockout_counts_failures_on_both_processes(nodes, garage):
    clients = [node.client() for node in nodes]
    statuses = []
    for attempt in range(settings.AXES_FAILURES_PER_ADDRESS):
        statuses.append(_log_in(clients[attempt % 2], garage.email, "wrong").status_code)

    # 4 failures answered with the form, the 5th locks: 3 were on A, 2 on B.
    assert statuses == [200] * (settings.AXES_FAILURES_PER_ADDRESS - 1) + [429]
    # The right password on either process is refused while the lock lasts.
    assert _log_in(clients[1], garage.email).status_code == 429
    assert _log_in(clients[0], garage.email).status_code == 429


def test_a_change_through_one_process_clears_the_dashboard_cache_of_both(nodes, garage):
    a, b = (node.client() for node in nodes)
    assert _log_in(a, garage.email).status_code == 302
    _session_of(a, b)
    assert _stock_count(a, garage) == 0  # cached (60 s) ...
    assert _stock_count(b, garage) == 0
    # ... in Redis, the one copy both processes read.
    redis = cache._cache.get_client(write=True)
    assert list(redis.scan_iter(match=f"{nodes[0].cache_prefix}:*dashboard-summary:{garage.pk}:*"))

    create = reverse("autopaspoort:create", kwargs={"garage_id": garage.pk})
    created = a.post(
        create,
        data={
            "csrfmiddlewaretoken": _token(a.get(create)),
            "plate": "gj-555-k",
            "owner_email": garage.email,
            "owner_name": "Garage Schaal",
            "odometer_km": "84250",
        },
    )

    assert created.status_code == 302, created.text[:2000]
    assert _stock_count(b, garage) == 1  # ... and forgotten on commit, for every process
    assert _stock_count(a, garage) == 1


def test_a_photo_uploaded_through_one_process_is_served_by_the_other(nodes, garage):
    check = record_check(PassportFactory(garage=garage), actor=garage.account_user)
    a, b = (node.client() for node in nodes)
    assert _log_in(a, garage.email).status_code == 302
    _session_of(a, b)
    detail = reverse(
        "autopaspoort:check_detail",
        kwargs={"garage_id": garage.pk, "plate": check.passport.plate, "check_id": check.pk},
    )

    uploaded = a.post(
        detail,
        data={"csrfmiddlewaretoken": _token(a.get(detail)), "target": "intake", "kind": "sides"},
        files={"photos": ("photo.jpg", jpeg_bytes(), "image/jpeg")},
    )

    assert uploaded.status_code == 302, uploaded.text[:2000]
    photo = CheckPhoto.objects.get(status_check=check)
    for version in ("original", "thumb", "large"):
        served = b.get(reverse("photos:file", kwargs={"key": photo.key, "version": version}))
        assert served.status_code == 302  # to a short-lived signed URL of the object store
        fetched = httpx.get(served.headers["Location"], timeout=10)
        assert fetched.status_code == 200
        assert fetched.headers["Content-Type"] == "image/jpeg"
        assert fetched.content[:2] == b"\xff\xd8"
    # Nothing of it landed in either process's own folder.
    assert not any(path.is_file() for node in nodes for path in node.folder.rglob("*.jpg"))
