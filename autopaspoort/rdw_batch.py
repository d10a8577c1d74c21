"""Many plates per request from the RDW open data (Socrata), for the background refresh.

`autopaspoort.rdw` answers one plate while a person waits (3 s, cached). This module answers a
batch of plates for the beat task (`autopaspoort.rdw_refresh`): one SoQL request per dataset
per batch (`$where=kenteken in('AB12CD',...)`), paged with `$limit`/`$offset` when a dataset has
more rows than one page. It is polite: the app token when configured, at most
`RDW_REFRESH_REQUESTS_PER_MINUTE` requests, `Retry-After` honoured on 429, exponential back-off
on 5xx, timeouts and malformed answers. Like `rdw.lookup` it never raises for anything the RDW
or the network does: every call answers with an `Answer` whose status says what happened.

Batch size: a plate costs 15 characters of query string once encoded (`%27AB12CD%27%2C`), so
`BATCH_SIZE` = 400 plates is about 6 kB, under the ~8 kB many servers and proxies accept for a
request line (Socrata's front end answers 414 above that), with room for the rest of the URL.
"""

import json
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime

import httpx
from django.conf import settings

from autopaspoort import rdw

logger = logging.getLogger(__name__)

OK = "ok"
BUSY = "busy"  # 429 after every retry: the RDW asks us to slow down
UNAVAILABLE = "unavailable"  # 5xx, timeout, network trouble or a malformed answer
DISABLED = "disabled"

BATCH_SIZE = 400
PAGE_ROWS = 50_000  # Socrata's largest page for SoQL 2.0 endpoints
MAX_PAGES = 10  # a batch of 400 plates never needs more; a runaway answer stops here
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
MAX_RETRY_AFTER_SECONDS = 120.0
# SoQL string values we send: plates, RDW references and defect codes. Anything else is refused
# before it reaches a query (no quoting games in $where).
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./_-]{0,39}$")


@dataclass
class Answer:
    status: str
    rows: list[dict] = field(default_factory=list)
    requests: int = 0  # HTTP requests made, retries included
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status == OK


class _Failed(Exception):
    def __init__(self, reason: str, *, busy: bool = False, retry_after: float | None = None):
        super().__init__(reason)
        self.busy = busy
        self.retry_after = retry_after


# --- Pacing -------------------------------------------------------------------------------------
# One process-wide pace: the refresh runs one batch at a time, but two threads of a worker must
# not double the rate. Tests replace `_sleep` (back-off) and `_pace` (waiting for the next turn)
# to run without waiting and to see each kind of pause apart.

_pace_lock = threading.Lock()
_next_request_at = 0.0


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def _pace(seconds: float) -> None:
    time.sleep(seconds)


def _wait_for_turn() -> None:
    global _next_request_at
    per_minute = max(settings.RDW_REFRESH_REQUESTS_PER_MINUTE, 1)
    with _pace_lock:
        now = time.monotonic()
        wait = _next_request_at - now
        _next_request_at = max(now, _next_request_at) + 60.0 / per_minute
    if wait > 0:
        _pace(wait)


# --- Queries ------------------------------------------------------------------------------------


def _in_list(values) -> str:
    safe = sorted({value for value in values if _SAFE_VALUE.match(value)})
    return ",".join(f"'{value}'" for value in safe)


def select_in(dataset: str, column: str, values, *, order: str = ":id") -> Answer:
    """Every row of `dataset` whose `column` is one of `values`, in as few requests as the
    pages allow. An empty `values` asks nothing."""
    if not settings.RDW_LOOKUP_ENABLED:
        return Answer(status=DISABLED)
    listed = _in_list(values)
    if not listed:
        return Answer(status=OK)
    rows: list[dict] = []
    requests = 0
    with rdw._client() as client:
        for page in range(MAX_PAGES):
            params = {
                "$where": f"{column} in({listed})",
                "$order": order,
                "$limit": str(PAGE_ROWS),
                "$offset": str(page * PAGE_ROWS),
            }
            answer = _get_with_retries(client, dataset, params)
            requests += answer.requests
            if not answer.ok:
                answer.requests = requests
                return answer
            rows += answer.rows
            if len(answer.rows) < PAGE_ROWS:
                break
        else:
            logger.warning("RDW %s: more than %s pages for one batch; rest skipped", dataset, page)
    return Answer(status=OK, rows=rows, requests=requests)


def _get_with_retries(client: httpx.Client, dataset: str, params: dict) -> Answer:
    retries = settings.RDW_REFRESH_RETRIES
    requests = 0
    for attempt in range(retries + 1):
        _wait_for_turn()
        requests += 1
        try:
            return Answer(status=OK, rows=_get(client, dataset, params), requests=requests)
        except _Failed as error:
            failure = error
            logger.warning(
                "RDW %s: %s (attempt %s of %s)", dataset, error, attempt + 1, retries + 1
            )
        if attempt == retries:
            break
        if failure.retry_after is not None:
            if failure.retry_after > MAX_RETRY_AFTER_SECONDS:
                break  # the RDW wants a long pause: the next run continues
            delay = failure.retry_after
        else:
            delay = settings.RDW_REFRESH_BACKOFF_SECONDS * 2**attempt
        _sleep(delay)
    return Answer(
        status=BUSY if failure.busy else UNAVAILABLE, requests=requests, reason=str(failure)
    )


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:  # an HTTP date
        from email.utils import parsedate_to_datetime

        when = parsedate_to_datetime(value)
        return max((when - datetime.now(when.tzinfo)).total_seconds(), 0.0)
    except (TypeError, ValueError):
        return None


def _get(client: httpx.Client, dataset: str, params: dict) -> list[dict]:
    timeout = settings.RDW_REFRESH_TIMEOUT_SECONDS
    deadline = time.monotonic() + timeout
    try:
        with client.stream(
            "GET", f"{dataset}.json", params=params, timeout=httpx.Timeout(timeout)
        ) as response:
            if response.status_code == 429:
                raise _Failed("HTTP 429", busy=True, retry_after=_retry_after(response))
            if response.status_code >= 500:
                raise _Failed(f"HTTP {response.status_code}", retry_after=_retry_after(response))
            if response.status_code != 200:
                # 400/404/414: our query or the dataset id is wrong; retrying will not help,
                # but it is the RDW's answer, not a crash.
                raise _Failed(f"HTTP {response.status_code}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if time.monotonic() > deadline:
                    raise _Failed("answer too slow")
                if len(body) > MAX_RESPONSE_BYTES:
                    raise _Failed("answer too large")
    except httpx.TimeoutException as error:
        raise _Failed(f"timeout ({type(error).__name__})") from error
    except httpx.HTTPError as error:
        raise _Failed(f"{type(error).__name__}: {error}") from error
    try:
        rows = json.loads(body)
    except ValueError as error:
        raise _Failed("malformed JSON") from error
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise _Failed("JSON is not a list of rows")
    return rows


# --- Datasets -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Vehicle:
    kenteken: str
    values: dict  # Passport field values, keyed as vehicle_data_apply_rdw wants them
    wam_insured: bool | None
    exported: bool
    open_recall_indicator: bool


@dataclass(frozen=True)
class RecallStatus:
    kenteken: str
    reference: str
    code: str  # "O": open; "P": repair reported by the manufacturer; others: not open
    text: str

    @property
    def is_open(self) -> bool:
        return self.code.upper() == "O"


@dataclass(frozen=True)
class RecallDetails:
    reference: str
    defect: str
    consequences: str
    remedy: str
    category: str
    info_url: str
    published_on: date | None


@dataclass(frozen=True)
class Defect:
    kenteken: str
    reported_on: date
    code: str
    count: int


def _yes(row: dict, name: str) -> bool | None:
    value = rdw._text(row, name).lower()
    return {"ja": True, "nee": False}.get(value)


def _int(row: dict, name: str, default: int = 1) -> int:
    try:
        return max(int(float(rdw._text(row, name))), 0)
    except ValueError:
        return default


def _url(value: str) -> str:
    value = value.strip()
    if value and not value.lower().startswith(("http://", "https://")):
        value = "https://" + value
    return value if len(value) <= 500 else ""


def vehicles(plates) -> tuple[Answer, dict[str, Vehicle]]:
    """The registered vehicles among `plates` (compact form), with their fuel. A plate missing
    from the answer is not registered (any more). The fuel dataset failing leaves "fuel" out of
    the values rather than failing the vehicles."""
    plates = list(plates)
    answer = select_in(settings.RDW_DATASET_VEHICLES, "kenteken", plates)
    if not answer.ok:
        return answer, {}
    fuel_answer = select_in(settings.RDW_DATASET_FUEL, "kenteken", plates)
    answer.requests += fuel_answer.requests
    fuel_rows: dict[str, list[dict]] = {}
    for row in fuel_answer.rows:
        fuel_rows.setdefault(rdw._text(row, "kenteken"), []).append(row)
    found = {}
    for row in answer.rows:
        kenteken = rdw._text(row, "kenteken").upper()
        if not kenteken or kenteken in found:
            continue
        data = rdw._vehicle(row, rdw._fuel(fuel_rows.get(kenteken, [])))
        values = {
            "make": data.make,
            "model": data.model,
            "colour": data.colour,
            "first_admission": data.first_admission,
            "apk_expires": data.apk_expires,
            "rdw_odometer_judgement": data.odometer_judgement,
        }
        if fuel_answer.ok:
            values["fuel"] = data.fuel
        found[kenteken] = Vehicle(
            kenteken=kenteken,
            values=values,
            wam_insured=_yes(row, "wam_verzekerd"),
            exported=_yes(row, "export_indicator") is True,
            open_recall_indicator=_yes(row, "openstaande_terugroepactie_indicator") is True,
        )
    return answer, found


def recall_statuses(plates) -> tuple[Answer, list[RecallStatus]]:
    answer = select_in(settings.RDW_DATASET_RECALL_STATUS, "kenteken", plates)
    statuses = []
    for row in answer.rows:
        kenteken = rdw._text(row, "kenteken").upper()
        reference = rdw._text(row, "referentiecode_rdw")
        if kenteken and reference:
            statuses.append(
                RecallStatus(
                    kenteken=kenteken,
                    reference=reference[:20],
                    code=rdw._text(row, "code_status")[:2],
                    text=rdw._text(row, "status")[:200],
                )
            )
    return answer, statuses


def recall_details(references) -> tuple[Answer, dict[str, RecallDetails]]:
    answer = select_in(settings.RDW_DATASET_RECALLS, "referentiecode_rdw", references)
    details = {}
    for row in answer.rows:
        reference = rdw._text(row, "referentiecode_rdw")
        if reference and reference not in details:
            details[reference] = RecallDetails(
                reference=reference,
                defect=rdw._text(row, "omschrijving_defect"),
                consequences=rdw._text(row, "materi_le_gevolgen"),
                remedy=rdw._text(row, "beschrijving_van_het_herstel"),
                category=rdw._text(row, "categorie_defect")[:200],
                info_url=_url(rdw._text(row, "meer_informatie_op_internet")),
                published_on=rdw._date(row, "publicatiedatum_rdw"),
            )
    return answer, details


def apk_defects(plates) -> tuple[Answer, list[Defect]]:
    answer = select_in(settings.RDW_DATASET_APK_DEFECTS, "kenteken", plates)
    defects = []
    for row in answer.rows:
        kenteken = rdw._text(row, "kenteken").upper()
        reported_on = rdw._date(row, "meld_datum_door_keuringsinstantie")
        code = rdw._text(row, "gebrek_identificatie")[:20]
        if kenteken and reported_on and code:
            defects.append(
                Defect(
                    kenteken=kenteken,
                    reported_on=reported_on,
                    code=code,
                    count=_int(row, "aantal_gebreken_geconstateerd"),
                )
            )
    return answer, defects


def defect_descriptions(codes) -> tuple[Answer, dict[str, str]]:
    answer = select_in(settings.RDW_DATASET_DEFECT_DESCRIPTIONS, "gebrek_identificatie", codes)
    descriptions = {}
    for row in answer.rows:
        code, text = rdw._text(row, "gebrek_identificatie"), rdw._text(row, "gebrek_omschrijving")
        if code and text:
            descriptions.setdefault(code, text[:500])
    return answer, descriptions
