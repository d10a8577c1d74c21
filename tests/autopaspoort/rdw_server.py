"""A local stand-in for opendata.rdw.nl: recorded responses served over real HTTP.

The client under test makes real requests (real sockets, real timeouts) to 127.0.0.1. By default
the server answers like Socrata: `GET /<dataset>.json?kenteken=<plate>` returns the recording
`rdw_responses/<dataset>_<plate>.json`, or `[]` (the recording `no_rows.json`) for a plate it has
no recording of. A test can replace one answer with a behaviour (status code, delay, slow drip,
other body) through `RDWServer.respond`. Every request that arrives is recorded.
"""

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache

from autopaspoort import rdw

RECORDINGS = Path(__file__).parent / "rdw_responses"
# Plates the RDW tests look up; their cache entries are removed around each test. Only these:
# cache.clear() would flush the Redis database that other test runs share.
PLATES = ("GJ5555", "TK301R", "XB001B")


@dataclass(frozen=True)
class Behaviour:
    status: int = 200
    body: bytes | None = None  # None: the recording (or `[]`)
    delay: float = 0.0  # seconds before the answer starts
    drip: float = 0.0  # seconds between single bytes of the body


@dataclass(frozen=True)
class Request:
    dataset: str
    kenteken: str
    headers: dict[str, str]  # names in lower case


class RDWServer:
    recordings = RECORDINGS

    def __init__(self):
        self.requests: list[Request] = []
        self._behaviours: dict[tuple[str, str], Behaviour] = {}
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/resource"

    def respond(self, dataset: str, kenteken: str, **behaviour) -> None:
        """Answer requests for (dataset, kenteken) with `Behaviour(**behaviour)` from now on."""
        self._behaviours[(dataset, kenteken)] = Behaviour(**behaviour)

    def requests_for(self, dataset: str) -> list[Request]:
        return [request for request in self.requests if request.dataset == dataset]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers still sleeping on a delay or drip
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _answer(self, dataset: str, kenteken: str) -> tuple[Behaviour, bytes]:
        behaviour = self._behaviours.get((dataset, kenteken), Behaviour())
        if behaviour.body is not None:
            return behaviour, behaviour.body
        if behaviour.status != 200:
            error = {"error": True, "message": f"HTTP {behaviour.status} from the test server"}
            return behaviour, json.dumps(error).encode()
        recording = RECORDINGS / f"{dataset}_{kenteken}.json"
        if not recording.exists():
            recording = RECORDINGS / "no_rows.json"
        return behaviour, recording.read_bytes()

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                url = urlsplit(self.path)
                prefix, _, filename = url.path.rpartition("/")
                dataset = filename.removesuffix(".json")
                kenteken = parse_qs(url.query).get("kenteken", [""])[0]
                headers = {name.lower(): value for name, value in self.headers.items()}
                server.requests.append(Request(dataset, kenteken, headers))
                if prefix != "/resource" or not filename.endswith(".json"):
                    self._send(Behaviour(status=404), b'{"error": true}')
                    return
                self._send(*server._answer(dataset, kenteken))

            def _send(self, behaviour: Behaviour, body: bytes):
                if server._stopping.wait(behaviour.delay):
                    return
                try:
                    self.send_response(behaviour.status)
                    self.send_header("Content-Type", "application/json;charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if not behaviour.drip:
                        self.wfile.write(body)
                        return
                    for byte in body:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        if server._stopping.wait(behaviour.drip):
                            return
                except OSError:
                    pass  # the client gave up first, which is what some tests want

            def log_message(self, format, *args):  # noqa: A002 (http.server's signature)
                pass  # keep test output quiet

        return Handler


def _forget_cached_plates():
    cache.delete_many([rdw.cache_key(plate) for plate in PLATES])


@pytest.fixture
def rdw_server(settings):
    """The RDW lookup switched on against a local server; the plates' cache entries cleared."""
    server = RDWServer()
    server.start()
    settings.RDW_LOOKUP_ENABLED = True
    settings.RDW_BASE_URL = server.url
    settings.RDW_TIMEOUT_SECONDS = 2.0
    settings.RDW_APP_TOKEN = ""
    _forget_cached_plates()
    yield server
    _forget_cached_plates()
    server.stop()
