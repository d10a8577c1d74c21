"""Vehicle data by plate from the RDW open data (Socrata) API.

The RDW is a convenience, never a dependency: a garage can always type the data in. So `lookup`
never raises for anything the RDW or the network does; it answers with a status and, when there
is no vehicle, a message the page can show as is. Answers are cached per plate so that a form
re-rendered a few times, or a plate looked up by several garages, costs the RDW one request.
"""

import json
import logging
import time
from dataclasses import dataclass
from datetime import date, datetime

import httpx
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext

from autopaspoort.plates import compact

logger = logging.getLogger(__name__)

FOUND = "found"
NOT_FOUND = "not_found"
UNAVAILABLE = "unavailable"
DISABLED = "disabled"

VEHICLES_DATASET = "m9d7-ebf2"  # gekentekende voertuigen
FUEL_DATASET = "8ys7-d773"  # gekentekende voertuigen brandstof

FOUND_CACHE_SECONDS = 24 * 60 * 60
NOT_FOUND_CACHE_SECONDS = 6 * 60 * 60
# A vehicle is a few kB of JSON; anything far larger is not an answer we asked for.
MAX_RESPONSE_BYTES = 1_000_000
USER_AGENT = "AutoPaspoort/1.0"
NOT_REGISTERED = "Niet geregistreerd"  # how the RDW says a field is empty


@dataclass(frozen=True)
class VehicleData:
    make: str  # merk, upper case as the RDW gives it: "VOLKSWAGEN"
    model: str  # handelsbenaming
    colour: str  # eerste_kleur; "" when the RDW has none
    first_admission: date | None  # datum_eerste_toelating
    apk_expires: date | None  # vervaldatum_apk
    odometer_judgement: str  # tellerstandoordeel: "Logisch", "Onlogisch", ...
    fuel: str  # brandstof_omschrijving in brandstof_volgnummer order: "Benzine, Elektriciteit"


@dataclass(frozen=True)
class LookupResult:
    status: str  # FOUND, NOT_FOUND, UNAVAILABLE or DISABLED
    vehicle: VehicleData | None
    message: str  # translated, for the user, when not FOUND; "" when found

    @property
    def found(self) -> bool:
        return self.status == FOUND


class _Unavailable(Exception):
    """The RDW gave no usable answer; `busy` when it told us to slow down (HTTP 429)."""

    def __init__(self, reason: str, *, busy: bool = False):
        super().__init__(reason)
        self.busy = busy


def cache_key(plate: str) -> str:
    return f"rdw:v1:{compact(plate)}"


def lookup(plate: str) -> LookupResult:
    """What the RDW knows about `plate` (any spelling: "gj-55-55", "GJ5555")."""
    if not settings.RDW_LOOKUP_ENABLED:
        return _disabled()
    kenteken = compact(plate)
    if not (kenteken.isascii() and kenteken.isalnum()):
        return _not_found()  # nothing the RDW could know; not worth a request
    key = cache_key(kenteken)
    cached = cache.get(key)
    if cached is not None:
        return _from_cache(cached)

    # One budget for the whole lookup, both requests included: the user is waiting on a form.
    deadline = time.monotonic() + settings.RDW_TIMEOUT_SECONDS
    with _client() as client:
        try:
            rows = _get_rows(client, VEHICLES_DATASET, kenteken, deadline)
        except _Unavailable as error:
            logger.warning("RDW vehicle lookup failed: %s", error)
            return _unavailable(busy=error.busy)
        if not rows:
            cache.set(key, {"status": NOT_FOUND}, NOT_FOUND_CACHE_SECONDS)
            return _not_found()
        try:
            fuel = _fuel(_get_rows(client, FUEL_DATASET, kenteken, deadline))
            complete = True
        except _Unavailable as error:
            # The vehicle itself is worth more than its fuel: show it, but do not cache the gap.
            logger.warning("RDW fuel lookup failed, vehicle shown without fuel: %s", error)
            fuel, complete = "", False

    vehicle = _vehicle(rows[0], fuel)
    if complete:
        cache.set(key, {"status": FOUND, "vehicle": _to_cache(vehicle)}, FOUND_CACHE_SECONDS)
    return LookupResult(status=FOUND, vehicle=vehicle, message="")


# --- HTTP -------------------------------------------------------------------------------------


def _client() -> httpx.Client:
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if settings.RDW_APP_TOKEN:
        headers["X-App-Token"] = settings.RDW_APP_TOKEN
    return httpx.Client(base_url=settings.RDW_BASE_URL.rstrip("/") + "/", headers=headers)


def _get_rows(client: httpx.Client, dataset: str, kenteken: str, deadline: float) -> list[dict]:
    """The rows of `dataset` for `kenteken`, read before `deadline` or not at all.

    httpx timeouts bound each network wait, not the total; the body is read in chunks against the
    deadline so that a server dripping bytes cannot hold the user's request open.
    """
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _Unavailable(f"{dataset}: no time left")
    try:
        with client.stream(
            "GET",
            f"{dataset}.json",
            params={"kenteken": kenteken},
            timeout=httpx.Timeout(remaining),
        ) as response:
            if response.status_code == 429:
                raise _Unavailable(f"{dataset}: HTTP 429 (rate limited)", busy=True)
            if response.status_code != 200:
                raise _Unavailable(f"{dataset}: HTTP {response.status_code}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if time.monotonic() > deadline:
                    raise _Unavailable(f"{dataset}: answer too slow")
                if len(body) > MAX_RESPONSE_BYTES:
                    raise _Unavailable(f"{dataset}: answer too large")
    except httpx.TimeoutException as error:
        raise _Unavailable(f"{dataset}: timeout ({type(error).__name__})") from error
    except httpx.HTTPError as error:
        raise _Unavailable(f"{dataset}: {type(error).__name__}: {error}") from error

    try:
        rows = json.loads(body)
    except ValueError as error:
        raise _Unavailable(f"{dataset}: malformed JSON") from error
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise _Unavailable(f"{dataset}: JSON is not a list of rows")
    return rows


# --- Parsing ----------------------------------------------------------------------------------


def _text(row: dict, field: str) -> str:
    value = row.get(field)
    return value.strip() if isinstance(value, str) else ""


def _date(row: dict, field: str) -> date | None:
    """RDW dates are "YYYYMMDD" strings; a missing or impossible one is no date."""
    try:
        return datetime.strptime(_text(row, field), "%Y%m%d").date()
    except ValueError:
        return None


def _vehicle(row: dict, fuel: str) -> VehicleData:
    colour = _text(row, "eerste_kleur")
    return VehicleData(
        make=_text(row, "merk"),
        model=_text(row, "handelsbenaming"),
        colour="" if colour == NOT_REGISTERED else colour,
        first_admission=_date(row, "datum_eerste_toelating"),
        apk_expires=_date(row, "vervaldatum_apk"),
        odometer_judgement=_text(row, "tellerstandoordeel"),
        fuel=fuel,
    )


def _fuel(rows: list[dict]) -> str:
    """Fuel descriptions in the RDW's own order (volgnummer 1 is the main fuel)."""

    def number(row: dict) -> int:
        try:
            return int(_text(row, "brandstof_volgnummer"))
        except ValueError:
            return 1_000_000  # unnumbered rows after the numbered ones

    descriptions = [_text(row, "brandstof_omschrijving") for row in sorted(rows, key=number)]
    return ", ".join(dict.fromkeys(d for d in descriptions if d))


# --- Cache and results ------------------------------------------------------------------------
# The cache holds plain data, never translated messages: the next reader may speak another
# language than the one who caused the request.


def _to_cache(vehicle: VehicleData) -> dict:
    return {
        "make": vehicle.make,
        "model": vehicle.model,
        "colour": vehicle.colour,
        "first_admission": _iso(vehicle.first_admission),
        "apk_expires": _iso(vehicle.apk_expires),
        "odometer_judgement": vehicle.odometer_judgement,
        "fuel": vehicle.fuel,
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _from_cache(cached: dict) -> LookupResult:
    if cached.get("status") != FOUND:
        return _not_found()
    data = cached["vehicle"]
    vehicle = VehicleData(
        make=data["make"],
        model=data["model"],
        colour=data["colour"],
        first_admission=_from_iso(data["first_admission"]),
        apk_expires=_from_iso(data["apk_expires"]),
        odometer_judgement=data["odometer_judgement"],
        fuel=data["fuel"],
    )
    return LookupResult(status=FOUND, vehicle=vehicle, message="")


def _from_iso(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _not_found() -> LookupResult:
    return LookupResult(
        status=NOT_FOUND,
        vehicle=None,
        message=gettext(
            "The RDW does not know this plate. Check it, or enter the vehicle data yourself."
        ),
    )


def _unavailable(*, busy: bool) -> LookupResult:
    if busy:
        message = gettext(
            "The RDW is busy right now. Try again in a minute, or enter the vehicle data yourself."
        )
    else:
        message = gettext(
            "The RDW is not answering right now. Try again later, or enter the vehicle data "
            "yourself."
        )
    return LookupResult(status=UNAVAILABLE, vehicle=None, message=message)


def _disabled() -> LookupResult:
    return LookupResult(
        status=DISABLED,
        vehicle=None,
        message=gettext(
            "Looking up vehicle data at the RDW is switched off. Enter the vehicle data yourself."
        ),
    )
