"""A local stand-in for opendata.rdw.nl answering SoQL batch queries from recordings.

`GET /resource/<dataset>.json?$where=<column> in('A','B')&$limit=..&$offset=..` answers the rows
of the recordings `rdw_responses/<dataset>_<value>.json` of each listed value (a value without
a recording has no rows), so the single-plate recordings of `rdw_server` serve batches too.
A test scripts failures per dataset with `RDWBatchServer.respond(dataset, *behaviours)`: each
request to that dataset takes the next behaviour (the last one repeats), e.g. two 429s and
then the recordings. Every request is recorded. Tests never touch the network.
"""

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache

from autopaspoort import rdw_batch, rdw_refresh
from tests.autopaspoort.rdw_server import RECORDINGS

IN_LIST = re.compile(r"^(\w+) in\((.*)\)$")


@dataclass(frozen=True)
class Behaviour:
    status: int = 200
    body: bytes | None = None  # None: the recordings
    delay: float = 0.0
    headers: dict = field(default_factory=dict)


OK = Behaviour()


@dataclass(frozen=True)
class Request:
    dataset: str
    column: str
    values: tuple[str, ...]
    params: dict
    headers: dict


class RDWBatchServer:
    def __init__(self):
        self.requests: list[Request] = []
        self._scripts: dict[str, list[Behaviour]] = {}
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/resource"

    def respond(self, dataset: str, *behaviours: Behaviour) -> None:
        self._scripts[dataset] = list(behaviours)

    def reset(self, dataset: str | None = None) -> None:
        if dataset is None:
            self._scripts.clear()
        else:
            self._scripts.pop(dataset, None)

    def requests_for(self, dataset: str) -> list[Request]:
        return [r for r in self.requests if r.dataset == dataset]

    def start(self):
        self._thread.start()

    def stop(self):
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _next(self, dataset: str) -> Behaviour:
        with self._lock:
            script = self._scripts.get(dataset)
            if not script:
                return OK
            return script.pop(0) if len(script) > 1 else script[0]

    def _rows(self, dataset: str, values, params) -> bytes:
        rows = []
        for value in values:
            recording = RECORDINGS / f"{dataset}_{value}.json"
            if recording.exists():
                rows += json.loads(recording.read_text())
        offset = int(params.get("$offset", "0") or 0)
        limit = int(params.get("$limit", "1000") or 1000)
        return json.dumps(rows[offset : offset + limit]).encode()

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                url = urlsplit(self.path)
                dataset = url.path.rpartition("/")[2].removesuffix(".json")
                params = {name: values[0] for name, values in parse_qs(url.query).items()}
                match = IN_LIST.match(params.get("$where", ""))
                column, values = "", ()
                if match:
                    column = match.group(1)
                    values = tuple(v.strip().strip("'") for v in match.group(2).split(",") if v)
                headers = {name.lower(): value for name, value in self.headers.items()}
                server.requests.append(Request(dataset, column, values, params, headers))
                behaviour = server._next(dataset)
                if behaviour.body is not None:
                    body = behaviour.body
                elif behaviour.status != 200:
                    body = json.dumps({"error": True, "code": behaviour.status}).encode()
                else:
                    body = server._rows(dataset, values, params)
                if server._stopping.wait(behaviour.delay):
                    return
                try:
                    self.send_response(behaviour.status)
                    self.send_header("Content-Type", "application/json;charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in behaviour.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass

            def log_message(self, format, *args):  # noqa: A002
                pass

        return Handler


@pytest.fixture
def rdw_batch_server(settings, monkeypatch):
    """The RDW switched on against a local batch server; no real waiting (the client's back-off
    pauses are recorded in `server.sleeps`, its waits for the next turn in `server.paces`)."""
    server = RDWBatchServer()
    server.start()
    server.sleeps, server.paces = [], []
    monkeypatch.setattr(rdw_batch, "_sleep", server.sleeps.append)
    monkeypatch.setattr(rdw_batch, "_pace", server.paces.append)
    monkeypatch.setattr(rdw_batch, "_next_request_at", 0.0)
    settings.RDW_LOOKUP_ENABLED = True
    settings.RDW_REFRESH_ENABLED = True
    settings.RDW_BASE_URL = server.url
    settings.RDW_APP_TOKEN = ""
    settings.RDW_REFRESH_REQUESTS_PER_MINUTE = 60_000
    settings.RDW_REFRESH_TIMEOUT_SECONDS = 2.0
    settings.RDW_REFRESH_RETRIES = 3
    settings.RDW_REFRESH_BACKOFF_SECONDS = 1.0
    _forget()
    yield server
    _forget()
    server.stop()


def _forget():
    """The run lock and the defect words the recordings use; only these keys (cache.clear()
    would flush a Redis database other runs share)."""
    codes = [path.stem.partition("_")[2] for path in RECORDINGS.glob("hx2c-gt7k_*.json")]
    cache.delete_many([rdw_refresh.LOCK_KEY, *(rdw_refresh._description_key(c) for c in codes)])
