"""The outside world the fault tests break on purpose: a Redis broker of their own, an SMTP
server and an email provider's HTTP API, all local, all scripted by the test.

A message counts as delivered only when the server accepted it (SMTP 250, HTTP 200): what a
real provider would have sent on.
"""

import asyncio
import contextlib
import json
import shutil
import socket
import subprocess
import threading
import time
import uuid
from email import message_from_bytes
from email.utils import getaddresses
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from config.celery import app as celery_app

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, *, timeout=20.0, interval=0.02, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    pytest.fail(f"Timed out after {timeout}s waiting for {message}")


def forget_broker_connections() -> None:
    """The Celery app caches its broker connection pools; drop them after changing the URL."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


# --- A broker of our own ----------------------------------------------------------------------


class OwnRedis:
    """A redis-server on a free port, without persistence: stopping it is a broker outage
    (and loses what it held, as a crashed broker without persistence would)."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--bind", "127.0.0.1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(self.answers, timeout=10, message="redis-server to accept connections")

    def answers(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.2):
            return True
        return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def own_redis():
    server = OwnRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def publishing_to(own_redis):
    """This process's Celery app publishes to `own_redis` (tasks not run eagerly)."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager)
    conf.broker_url, conf.task_always_eager = own_redis.url, False
    forget_broker_connections()
    try:
        yield own_redis
    finally:
        conf.broker_url, conf.task_always_eager = saved
        forget_broker_connections()


# --- An SMTP server ---------------------------------------------------------------------------


def recipients_of(raw: bytes) -> list[str]:
    message = message_from_bytes(raw)
    return [address.lower() for _name, address in getaddresses(message.get_all("To", []))]


class SinkHandler:
    """aiosmtpd handler. By default it accepts every message (250) and keeps it. Scripted:
    `refuse_recipient` answers RCPT with 550; `answers` is a queue of replies for the next DATA
    commands ("451 ...", "554 ...", or "stall" = say nothing until `timeout_stall` s passed);
    `stall_first(address)` holds the first DATA to that address until `release()`, then answers
    451: a message held while its sender dies is never accepted."""

    def __init__(self):
        self.accepted: list[bytes] = []
        self.answers: list[str] = []
        self.refused: set[str] = set()
        self.to_stall: set[str] = set()
        self.stalled = threading.Event()
        self.stalled_for: str | None = None
        self._released = threading.Event()
        self.timeout_stall = 2.0
        self.data_commands = 0
        self.lock = threading.Lock()

    def accepted_for(self, address: str) -> list[bytes]:
        with self.lock:
            return [raw for raw in self.accepted if address.lower() in recipients_of(raw)]

    def stall_first(self, address: str) -> None:
        self._released.clear()
        self.stalled.clear()
        self.to_stall.add(address.lower())

    def release(self) -> None:
        self._released.set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refused:
            return "550 5.1.1 Recipient address rejected: user unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        to = recipients_of(raw)
        with self.lock:
            self.data_commands += 1
            answer = self.answers.pop(0) if self.answers else None
            stall_for = next((a for a in to if a in self.to_stall), None)
            if stall_for:
                self.to_stall.discard(stall_for)
        if stall_for:
            self.stalled_for = stall_for
            self.stalled.set()
            while not self._released.is_set():
                await asyncio.sleep(0.02)
            return "451 4.3.0 Transaction aborted"
        if answer == "stall":
            await asyncio.sleep(self.timeout_stall)
            return "451 4.4.2 Timeout"
        if answer:
            return answer
        with self.lock:
            self.accepted.append(raw)
        return "250 2.0.0 OK: queued"


@pytest.fixture
def smtp_sink():
    handler = SinkHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    try:
        yield handler
    finally:
        handler.release()
        controller.stop()


# --- An email provider's HTTP API (Postmark's shape, for django-anymail) ----------------------


class EspStub:
    """Answers Postmark's /email endpoint. `answers` is a queue of scripted replies for the
    next requests: an HTTP status (500, 503, 422, 429 ...) or "timeout" (no answer before the
    client gives up); with none left it accepts the message (200) and keeps it."""

    def __init__(self):
        self.accepted: list[dict] = []
        self.answers: list = []
        self.requests = 0
        self.release = threading.Event()
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with stub.lock:
                    stub.requests += 1
                    answer = stub.answers.pop(0) if stub.answers else 200
                if answer == "timeout":
                    stub.release.wait(5)
                    return
                if answer == 200:
                    with stub.lock:
                        stub.accepted.append(body)
                    reply = {
                        "To": body["To"],
                        "SubmittedAt": "2024-01-01T00:00:00Z",
                        "MessageID": str(uuid.uuid4()),
                        "ErrorCode": 0,
                        "Message": "OK",
                    }
                elif answer == 422:  # Postmark: the recipient is marked inactive (hard bounce)
                    reply = {
                        "ErrorCode": 406,
                        "Message": "You tried to send to a recipient that has been marked as "
                        f"inactive.\nFound inactive addresses: {body['To']}.\nInactive "
                        "recipients are ones that have generated a hard bounce or a spam "
                        "complaint.",
                    }
                else:
                    reply = {"ErrorCode": 500 if answer >= 500 else 429, "Message": "Try later"}
                data = json.dumps(reply).encode()
                self.send_response(answer)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def accepted_for(self, address: str) -> list[dict]:
        with self.lock:
            return [body for body in self.accepted if address.lower() in body["To"].lower()]


@pytest.fixture
def esp():
    stub = EspStub()
    thread = threading.Thread(target=stub.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        stub.release.set()
        stub.server.shutdown()
        stub.server.server_close()
