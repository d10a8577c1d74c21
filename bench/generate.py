"""Benchmark data: a PostgreSQL database shaped like AutoPaspoort at scale (issue 10).

    .venv/bin/python -m bench.generate --passports 2000000 --database autopaspoort_bench_2m

Rows are generated in Python and streamed with COPY; secondary indexes and the unique and foreign
key constraints are dropped first and rebuilt from their own definitions afterwards, because
maintaining them row by row makes a 2M load take an hour instead of minutes. The same seed gives
the same data. A completed load is recorded in `bench_meta`, so a second run returns at once;
`--force` starts over. The records the benchmark needs (big garage, showcase passport, transfer
garage and its API token, plates) go to `var/bench/<database>.json` and into `bench_meta`.
"""

import argparse
import base64
import hashlib
import json
import math
import os
import random
import subprocess
import sys
import time
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path

import psycopg
from psycopg import sql

from autopaspoort import plates as plate_rules

BASE_DIR = Path(__file__).resolve().parent.parent
FORMAT_VERSION = 1  # bump when the generated data changes: older loads are then not reused
PASSWORD = "bench-password-1"
UNUSABLE_PASSWORD = "!bench-unusable"  # Django treats any hash starting with "!" as unusable
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432"
DAY = 86_400
YEARS = 3

TABLES = (
    "accounts_user",
    "garage_garage",
    "garage_membership",
    "garage_apitoken",
    "fleet_fleetaccount",
    "fleet_fleetaccount_garages",
    "fleet_fleetmembership",
    "autopaspoort_passport",
    "autopaspoort_statuscheck",
    "autopaspoort_statuscheckitem",
    "autopaspoort_historyentry",
    "transfers_transfer",
    "fleet_fleetlink",
)
COLUMNS = {
    "accounts_user": "id password last_login is_superuser email full_name language is_active "
    "is_staff date_joined promotions_enabled reminders_enabled check_reports_enabled",
    "garage_garage": "id created_at updated_at name phone street house_number postcode city "
    "kvk_number account_user_id prices_include_vat vat_number billing_email",
    "garage_membership": "id created_at updated_at role garage_id invited_by_id user_id",
    "garage_apitoken": "id created_at updated_at name token_hash prefix created_by_id garage_id",
    "fleet_fleetaccount": "id created_at updated_at name email kind kvk_number",
    "fleet_fleetaccount_garages": "id fleetaccount_id garage_id",
    "fleet_fleetmembership": "id created_at updated_at fleet_id user_id",
    "autopaspoort_passport": "id created_at updated_at plate state activated_at owner_name "
    "owner_street owner_house_number owner_postcode owner_city owner_phone "
    "driver_name driver_email driver_phone make model colour fuel first_admission apk_expires vin "
    "rdw_odometer_judgement rdw_status rdw_checked_at initial_odometer_km odometer_km "
    "odometer_read_on odometer_logical created_by_id garage_id owner_id latest_check_id "
    "fleet_id owner_version vehicle_sources rdw_disagreements rdw_registration",
    "autopaspoort_statuscheck": "id performed_at odometer_km odometer_correction_reason notes "
    "garage_id passport_id performed_by_id",
    "autopaspoort_statuscheckitem": "id component description rating tread_depth_mm "
    "estimated_cost note fix_before_delivery status_check_id",
    "autopaspoort_historyentry": "id kind date odometer_km odometer_correction_reason "
    "description cost created_at created_by_id garage_id passport_id external_id",
    "transfers_transfer": "id created_at updated_at previous_owner_was_garage new_owner_is_new "
    "name email street house_number postcode city phone via state completed_at created_by_id "
    "garage_id new_owner_id passport_id previous_owner_id reason",
    "fleet_fleetlink": "id linked_at fleet_id linked_by_id passport_id driver_name driver_email "
    "driver_phone",
}


def _words(text, sep=None):
    return tuple(text.split(sep))


FIRST_NAMES = _words(
    "Jan Piet Kees Sanne Eva Lotte Daan Sem Lucas Emma Julia Tess Noah Finn Anna Sophie "
    "Milan Levi Fleur Lisa Bram Thijs Ruben Anouk Iris Joris Maaike Henk Ingrid Wim Els "
    "Mohamed Fatima Youssef Priya Sven Femke Gijs Roos"
)
LAST_NAMES = _words(
    "de Jong|Jansen|de Vries|van den Berg|van Dijk|Bakker|Janssen|Visser|Smit|Meijer|"
    "de Boer|Mulder|de Groot|Bos|Vos|Peters|Hendriks|van Leeuwen|Dekker|Brouwer|de Wit|"
    "Dijkstra|Smits|de Graaf|van der Meer|van der Linden|Kok|Jacobs|de Haan|Vermeulen|"
    "van den Heuvel|Kaya|El Amrani|Yilmaz|Schouten|Willems|Hoekstra|Koster|Prins|Huisman",
    "|",
)
CITIES = _words(
    "Amsterdam Rotterdam Utrecht Eindhoven Groningen Tilburg Almere Breda Nijmegen "
    "Apeldoorn Haarlem Arnhem Enschede Amersfoort Zaanstad Zwolle Leiden Maastricht "
    "Dordrecht Ede Delft Venlo Deventer Leeuwarden Alkmaar Hilversum Emmen Assen Gouda "
    "Roermond"
)
STREETS = _words(
    "Dorpsstraat Kerkstraat Schoolstraat Molenweg Stationsweg Julianalaan Beatrixstraat "
    "Wilhelminastraat Eikenlaan Industrieweg Hoofdstraat Nieuwstraat Parallelweg "
    "Marktplein"
)
VEHICLES = (
    ("VOLKSWAGEN", ("GOLF", "POLO", "PASSAT", "UP!", "TIGUAN", "ID.3")),
    ("TOYOTA", ("YARIS", "AYGO", "COROLLA", "RAV4", "C-HR")),
    ("OPEL", ("CORSA", "ASTRA", "ASTRA SPORTS TOURER", "MOKKA")),
    ("PEUGEOT", ("208", "308", "2008", "3008")),
    ("RENAULT", ("CLIO", "MEGANE", "CAPTUR", "TWINGO")),
    ("KIA", ("PICANTO", "CEED", "NIRO", "SPORTAGE")),
    ("FORD", ("FIESTA", "FOCUS", "KUGA", "TRANSIT CUSTOM")),
    ("SKODA", ("FABIA", "OCTAVIA", "SUPERB", "ENYAQ")),
    ("BMW", ("1ER REIHE", "3ER REIHE", "X1", "I4")),
    ("TESLA", ("MODEL 3", "MODEL Y")),
)
COLOURS = ("GRIJS", "ZWART", "WIT", "BLAUW", "ROOD", "GROEN", "BRUIN", "BEIGE")
FUELS = ("Benzine", "Benzine", "Benzine", "Diesel", "Elektriciteit", "Benzine/Elektriciteit")
HISTORY = (
    ("small_service", "Kleine beurt: olie en filter vervangen", 189),
    ("large_service", "Grote beurt volgens fabrieksvoorschrift", 489),
    ("repair", "Remblokken en remschijven voor vervangen", 412),
    ("repair", "Distributieriem vervangen", 735),
    ("apk", "APK-keuring zonder opmerkingen", 59),
    ("tyres", "Vier nieuwe zomerbanden gemonteerd", 520),
    ("tyres", "Winterbanden gewisseld", 45),
    ("other", "Ruitenwisserbladen vervangen", 35),
)
COMPONENTS = _words(
    "tyres_front tyres_rear brakes_front brakes_rear lights wipers fluids battery exhaust "
    "suspension_steering bodywork_glass interior"
)
MAIL_DOMAINS = ("gmail.com", "ziggo.nl", "kpnmail.nl", "hotmail.com", "outlook.com")
# RDW letters from sidecode 4 on (no vowels, C or Q): few generated plates draw a warning.
PLATE_LETTERS = "BDFGHJKLMNPRSTVXZ"
# Newer sidecodes hold more of today's cars.
SIDECODE_WEIGHTS = {1: 1, 2: 1, 3: 2, 4: 3, 5: 4, 6: 5, 7: 8, 8: 10, 9: 10, 10: 9, 11: 9, 12: 8}
SIDECODE_WEIGHTS |= {13: 7, 14: 3}


def log(message):
    print(message, flush=True)


class Plan:
    """Sizes derived from --passports (numbers per 2M scaled down), and the fixed ids."""

    def __init__(self, passports: int, seed: int):
        self.passports, self.seed = passports, seed
        scale = passports / 2_000_000
        self.garages = max(5, round(1000 * scale))
        self.big = min(10_000, passports // 10)
        self.transfer_stock = min(2_000, passports // 20)
        self.fleets = max(2, round(200 * scale))
        self.new_plates = 10_000
        self.sample_plates = min(500, passports // 2)
        # User ids: garage account logins 1..G, then two staff per garage, then fleet managers,
        # then owners (written while their first car's transfer is generated).
        self.staff_base = self.garages
        self.manager_base = self.garages * 3
        self.owner_base = self.manager_base + self.fleets * 2

    def params(self) -> dict:
        return {"format": FORMAT_VERSION, "passports": self.passports, "seed": self.seed}

    def sales(self, garage: int) -> int:
        return self.staff_base + 2 * garage - 1

    def mechanic(self, garage: int) -> int:
        return self.staff_base + 2 * garage


class Clock:
    """Timestamps as epoch seconds, written as text: cheaper than datetime objects per row."""

    def __init__(self):
        self.now = int(time.time()) // DAY * DAY
        self.start = self.now - YEARS * 365 * DAY
        # From 20 years back (first admissions) to 2 years ahead (APK expiry dates).
        self.origin = self.start - 20 * 365 * DAY
        first = date.fromtimestamp(self.origin)
        self.days = [(first + timedelta(days=n)).isoformat() for n in range(25 * 366)]

    def day(self, t: int) -> str:
        return self.days[(t - self.origin) // DAY]

    def ts(self, t: int) -> str:
        s = t % DAY
        day = self.days[(t - self.origin) // DAY]
        return f"{day} {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00"


def plate_at(pattern: str, index: int) -> str:
    chars = []
    for char in reversed(pattern):
        if char == "-":
            chars.append("-")
            continue
        alphabet = PLATE_LETTERS if char == "X" else "0123456789"
        index, rest = divmod(index, len(alphabet))
        chars.append(alphabet[rest])
    return "".join(reversed(chars))


def generate_plates(count: int, rng: random.Random) -> list[str]:
    """Unique canonical plates over all 14 sidecodes, in random order.

    Each sidecode walks its own index space with a random step coprime to the space size, so the
    plates are unique without a set and look random; layouts differ, so sidecodes never collide.
    """
    total = sum(SIDECODE_WEIGHTS.values())
    result = []
    for number, pattern in plate_rules.SIDECODES.items():
        want = math.ceil(count * SIDECODE_WEIGHTS[number] / total)
        space = math.prod(len(PLATE_LETTERS) if c == "X" else 10 for c in pattern if c != "-")
        if want > space // 2:
            raise SystemExit(f"sidecode {number} cannot hold {want} plates")
        step = rng.randrange(1, space)
        while math.gcd(step, space) != 1:
            step += 1
        index = rng.randrange(space)
        got = 0
        while got < want:
            index = (index + step) % space
            plate = plate_at(pattern, index)
            if plate.startswith("ZZ"):  # a special-permit plate: refused by plates.normalize
                continue
            result.append(plate)
            got += 1
    rng.shuffle(result)
    result = result[:count]
    for plate in rng.sample(result, min(5_000, count)):  # the rules are the app's, not ours
        assert plate_rules.normalize(plate) == plate, plate
    return result


def person(rng: random.Random) -> tuple[str, str]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return f"{first} {last}", f"{first}.{last.replace(' ', '')}".lower()


def address(rng: random.Random) -> tuple[str, str, str, str, str]:
    postcode = (
        f"{rng.randint(1000, 9999)} {rng.choice('BDGHKLMNPRTVXZ')}{rng.choice('BDGHJKLMNPRTVXZ')}"
    )
    phone = f"06-{rng.randint(10_000_000, 99_999_999)}"
    return rng.choice(STREETS), str(rng.randint(1, 250)), postcode, rng.choice(CITIES), phone


def hash_password() -> str:
    """Django's default hasher, run once: it is slow on purpose (~0.5 s a hash)."""
    from django.conf import settings

    if not settings.configured:
        settings.configure()
    from django.contrib.auth.hashers import make_password

    return make_password(PASSWORD)


class Copies:
    """One COPY per table, each on its own connection, so rows of several tables can be
    streamed in one pass over the passports while the server ingests them in parallel."""

    def __init__(self, stack: ExitStack, dsn: str, tables):
        self.rows, self.writers = dict.fromkeys(tables, 0), {}
        for table in tables:
            conn = stack.enter_context(psycopg.connect(dsn))
            columns = sql.SQL(", ").join(map(sql.Identifier, COLUMNS[table].split()))
            query = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), columns)
            self.writers[table] = stack.enter_context(conn.cursor().copy(query)).write_row

    def write(self, table, row):
        self.rows[table] += 1
        self.writers[table](row)


def email_keys(emails: dict) -> dict:
    return {f"{role}_email": email for role, email in emails.items()}


def load_small_tables(dsn, plan, clock, rng, password_hash) -> tuple[dict, dict, dict]:
    """Garages with their logins and staff, fleets with their managers, the API token."""
    special = {}
    g_count = plan.garages
    with ExitStack() as stack:
        out = Copies(
            stack,
            dsn,
            [
                "accounts_user",
                "garage_garage",
                "garage_membership",
                "garage_apitoken",
                "fleet_fleetaccount",
                "fleet_fleetaccount_garages",
                "fleet_fleetmembership",
            ],
        )

        def user(uid, email, name, joined):
            row = (uid, password_hash, None, False, email, name, "nl", True, False, joined)
            out.write("accounts_user", (*row, True, True, True))

        membership_id = 0
        for g in range(1, g_count + 1):
            last = rng.choice(LAST_NAMES)
            street, number, postcode, city, phone = address(rng)
            name = f"Autobedrijf {last} {city}"
            domain = f"{last.replace(' ', '').lower()}-{city.lower()}-{g}.nl"
            created = clock.ts(clock.start - rng.randrange(30 * DAY, 400 * DAY))
            user(g, f"info@{domain}", "", created)
            kvk = f"{rng.randint(10_000_000, 99_999_999)}"
            row = (g, created, created, name, phone, street, number, postcode, city, kvk, g, True)
            out.write("garage_garage", (*row, f"NL{rng.randint(100_000_000, 999_999_999)}B01", ""))
            emails = {"admin": f"info@{domain}"}
            for uid, role, invited_by in (
                (g, "admin", None),
                (plan.sales(g), "sales", g),
                (plan.mechanic(g), "mechanic", g),
            ):
                if uid != g:
                    full_name, local = person(rng)
                    emails[role] = f"{local}.{role}@{domain}"
                    user(uid, emails[role], full_name, created)
                membership_id += 1
                row = (membership_id, created, created, role, g, invited_by, uid)
                out.write("garage_membership", row)
            if g == 1:
                special["big_garage"] = {"id": g, "name": name, **email_keys(emails)}
            if g == 2:
                special["transfer_garage"] = {"id": g, "name": name, **email_keys(emails)}

        # An API token as garage.services.api_token_create makes it: only the hash is stored.
        raw = "ap_" + base64.urlsafe_b64encode(rng.randbytes(32)).rstrip(b"=").decode()
        token_hash = hashlib.sha256(raw.encode()).hexdigest()
        now = clock.ts(clock.now)
        out.write("garage_apitoken", (1, now, now, "Benchmark GMS", token_hash, raw[:8], 2, 2))
        special["transfer_garage"]["api_token"] = raw

        # Business fleets, each serviced by 1-4 garages (not the transfer garage: its stock
        # must stay free to transfer), each with one or two managers.
        fleets_of = {}
        link_id = 0
        for f in range(1, plan.fleets + 1):
            last = rng.choice(LAST_NAMES)
            company = f"{last} {rng.choice(('Transport', 'Installatietechniek', 'Bouw', 'Zorg'))}"
            domain = f"{company.replace(' ', '').lower()}-{f}.nl"
            created = clock.ts(clock.start - rng.randrange(0, 300 * DAY))
            kvk = f"{rng.randint(10_000_000, 99_999_999)}"
            row = (f, created, created, f"{company} B.V.", f"wagenpark@{domain}", "business", kvk)
            out.write("fleet_fleetaccount", row)
            garages = {1} if f == 1 else set()  # the big garage services at least one fleet
            garages |= {rng.randint(3, g_count) for _ in range(rng.randint(1, 4))}
            for g in sorted(garages):
                link_id += 1
                out.write("fleet_fleetaccount_garages", (link_id, f, g))
                fleets_of.setdefault(g, []).append(f)
            for k in range(rng.randint(1, 2)):
                uid = plan.manager_base + 2 * f - 1 + k
                full_name, local = person(rng)
                email = f"{local}@{domain}"
                user(uid, email, full_name, created)
                out.write("fleet_fleetmembership", (2 * f - 1 + k, created, created, f, uid))
                if f == 1 and k == 0:
                    special["fleet"] = {"id": f, "manager_email": email}
    return special, fleets_of, out.rows


def load_passports(dsn, plan, clock, rng, plates, fleets_of, special, password_hash) -> dict:
    """Passports with their owners, transfers, history, status checks and fleet links.

    Customer passports went through a transfer from stock, as transfers.services does it: owner
    version 1, a completed transfer and activated_at, or an open one and an inactive new owner.
    """
    n = plan.passports
    # Garages: the big one and the transfer garage get fixed sizes, the others an uneven share
    # (lognormal, capped below the big garage so it stays the biggest).
    others = range(3, plan.garages + 1)
    weights = [rng.lognormvariate(0, 0.5) for _ in others]
    transfer_size = max(plan.transfer_stock * 3 // 2, (n - plan.big) // plan.garages)
    rest = n - plan.big - transfer_size
    total = sum(weights)
    counts = [min(plan.big - 1, int(rest * w / total)) for w in weights]
    for i in range(rest - sum(counts)):  # rounding and capping leftovers, one each
        counts[i % len(counts)] += 1
    garage_of = [1] * plan.big + [2] * transfer_size
    for g, count in zip(others, counts, strict=True):
        garage_of += [g] * count
    rng.shuffle(garage_of)
    created = sorted(rng.randrange(clock.start, clock.now - 7 * DAY) for _ in range(n))

    # States first: the owner of customer passport number c is owner c % owners, so the first
    # (customers - owners) owners have two cars; only single-car owners wait for activation.
    reserved, showcase = set(), None
    for i, g in enumerate(garage_of):
        if g == 2 and len(reserved) < plan.transfer_stock:
            reserved.add(i)
        elif g == 1 and showcase is None:
            showcase = i
    customer = bytearray(rng.random() < 0.6 and i not in reserved for i in range(n))
    customer[showcase] = True
    customers = sum(customer)
    owners = round(customers * 0.9)
    covered = sum(1 for g in garage_of if g in fleets_of) / n
    p_link = min(1.0, 0.05 / (covered * 0.58)) if covered else 0.0  # 58%: active customers

    out_tables = [
        "accounts_user",
        "autopaspoort_passport",
        "transfers_transfer",
        "autopaspoort_historyentry",
        "autopaspoort_statuscheck",
        "autopaspoort_statuscheckitem",
        "fleet_fleetlink",
    ]
    ids = dict.fromkeys(out_tables, 0)
    c = -1
    started = time.monotonic()
    with ExitStack() as stack:
        out = Copies(stack, dsn, out_tables)
        write = out.write

        def next_id(table):
            ids[table] += 1
            return ids[table]

        for i in range(n):
            pid, g, t0 = i + 1, garage_of[i], created[i]
            sales, mechanic = plan.sales(g), plan.mechanic(g)
            updated = t0
            make, models = rng.choice(VEHICLES)
            built = t0 - rng.randrange(0, 15 * 365) * DAY
            apk = clock.now + rng.randrange(-60, 700) * DAY
            km0, per_day = rng.randrange(5_000, 200_000), rng.randrange(20, 80)

            # Readings: history on dates, checks at times; the odometer is the newest reading.
            is_showcase = i == showcase
            n_history = 50 if is_showcase else rng.randint(0, 6)
            n_checks = 10 if is_showcase else rng.choice((0, 1, 1, 2))
            readings = [(t0, km0)]
            days = sorted(rng.randrange(t0 // DAY + 1, clock.now // DAY) for _ in range(n_history))
            for day in days:
                hid = next_id("autopaspoort_historyentry")
                kind, text, cost = rng.choice(HISTORY)
                when = day * DAY + rng.randrange(8 * 3600, 18 * 3600)
                km = km0 + per_day * (when - t0) // DAY
                readings.append((when, km))
                external = f"WO-{hid:08d}" if hid % 5 == 0 else ""
                row = (
                    hid,
                    kind,
                    clock.day(when),
                    km,
                    "",
                    text,
                    f"{cost * rng.uniform(0.8, 1.3):.2f}",
                )
                write(
                    "autopaspoort_historyentry",
                    (*row, clock.ts(when), mechanic, g, pid, external),
                )
            latest_check = None
            for when in sorted(rng.randrange(t0, clock.now) for _ in range(n_checks)):
                latest_check = cid = next_id("autopaspoort_statuscheck")
                km = km0 + per_day * (when - t0) // DAY
                readings.append((when, km))
                row = (cid, clock.ts(when), km, "", "", g, pid, mechanic)
                write("autopaspoort_statuscheck", row)
                for component in rng.sample(COMPONENTS, rng.randint(1, 5)):
                    rating = rng.choices(("ok", "soon", "now"), (7, 2, 1))[0]
                    tread = f"{rng.uniform(1.6, 8):.1f}" if component.startswith("tyres") else None
                    cost = "0.00" if rating == "ok" else f"{rng.randrange(40, 900)}.00"
                    item = next_id("autopaspoort_statuscheckitem")
                    row = (item, component, "", rating, tread, cost, "", False, cid)
                    write("autopaspoort_statuscheckitem", row)
            read_at, km = max(readings)

            # Owner: stock belongs to the garage's login; a customer came through a transfer.
            activated, fleet, owner_version = clock.ts(t0), None, 0
            if customer[i]:
                c += 1
                k = c % owners
                owner = plan.owner_base + k + 1
                srng = random.Random(k)  # an owner's details are the same on both cars
                full_name, local = person(srng)
                email = f"{local}{k}@{srng.choice(MAIL_DOMAINS)}"
                street, number, postcode, city, phone = address(srng)
                awaiting = k >= customers - owners and k % 25 == 0
                at = t0 + rng.randrange(3600, max(3601, min(60 * DAY, clock.now - t0)))
                done = None if awaiting else min(at + rng.randrange(600, 3 * DAY), clock.now)
                if c < owners:
                    usable = password_hash if is_showcase else UNUSABLE_PASSWORD
                    row = (owner, usable, None, False, email, full_name, "nl", not awaiting)
                    write("accounts_user", (*row, False, clock.ts(at), True, True, True))
                via = "api" if c % 10 == 0 else "garage"
                row = (next_id("transfers_transfer"), clock.ts(at), clock.ts(done or at))
                row += (True, c < owners, full_name, email, street, number, postcode, city, phone)
                row += (via, "awaiting_activation" if awaiting else "completed")
                row += (done and clock.ts(done), None if via == "api" else sales, g, owner, pid, g)
                write("transfers_transfer", (*row, ""))  # a reason only for support's transfers
                activated = done and clock.ts(done)
                owner_version, updated = 1, max(updated, done or at)
                details = (full_name, street, number, postcode, city, phone)
                if is_showcase:
                    special["showcase"] = {
                        "passport_id": pid,
                        "plate": plates[i],
                        "garage_id": g,
                        "owner_email": email,
                        "history_entries": n_history,
                        "status_checks": n_checks,
                    }
                # Fleets own some customer cars (never one waiting for its owner).
                if not awaiting and not is_showcase and g in fleets_of and rng.random() < p_link:
                    fleet = rng.choice(fleets_of[g])
                    linked = min(done + rng.randrange(DAY, 90 * DAY), clock.now)
                    # An open period: its driver lives on the car until the period closes.
                    row = (
                        next_id("fleet_fleetlink"),
                        clock.ts(linked),
                        fleet,
                        sales,
                        pid,
                        "",
                        "",
                        "",
                    )
                    write("fleet_fleetlink", row)
                    updated = max(updated, linked)
            else:
                owner = g
                details = ("", "", "", "", "", "")  # a stock car: the garage is its owner
            updated = max(updated, read_at)
            row = (
                pid,
                clock.ts(t0),
                clock.ts(updated),
                plates[i],
                "customer" if customer[i] else "stock",
            )
            row += (activated, *details, "", "", "", make, rng.choice(models), rng.choice(COLOURS))
            row += (rng.choice(FUELS), clock.day(built), clock.day(apk), "", "Logisch", "found")
            row += (clock.ts(t0), km0, km, clock.day(read_at), True, sales, g, owner)
            row += (latest_check, fleet, owner_version, "{}", "{}", "registered")
            write("autopaspoort_passport", row)
            if pid % 200_000 == 0:
                rate = pid / (time.monotonic() - started)
                log(f"  {pid:>9,} passports ({rate:,.0f}/s)")
        log("  finishing COPY ...")
    special["transfer_garage"]["stock_plates"] = [plates[i] for i in sorted(reserved)]
    return out.rows


def constraints_and_indexes(conn) -> list[tuple[str, str, str]]:
    """(table, drop statement, create statement) for everything but primary keys, in create
    order: plain and unique indexes, unique constraints, then foreign keys (which need the
    referenced keys). Read from the catalog, so a new migration's index is rebuilt as it is."""
    items = []
    tables = list(TABLES)
    for table, name, kind, definition in conn.execute(
        """SELECT c.conrelid::regclass::text, c.conname, c.contype, pg_get_constraintdef(c.oid)
           FROM pg_constraint c
           WHERE c.conrelid::regclass::text = ANY(%s) AND c.contype IN ('u', 'f')
           ORDER BY c.contype DESC, c.conname""",
        (tables,),
    ):
        drop = f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'
        items.append(
            (table, drop, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}', kind)
        )
    for table, name, definition in conn.execute(
        """SELECT i.tablename, i.indexname, i.indexdef FROM pg_indexes i
           WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname
                             AND c.connamespace = 'public'::regnamespace)
           ORDER BY i.tablename, i.indexname""",
        (tables,),
    ):
        items.append((table, f'DROP INDEX "{name}"', definition, "i"))
    order = {"i": 0, "u": 1, "f": 2}
    return sorted(items, key=lambda item: order[item[3]])


def server_dsn(server: str, database: str) -> str:
    return f"{server.rstrip('/')}/{database}"


def read_meta(dsn):
    try:
        with psycopg.connect(dsn) as conn:
            exists = conn.execute("SELECT to_regclass('bench_meta') IS NOT NULL").fetchone()[0]
            if not exists:
                return "foreign", None
            row = conn.execute("SELECT params, manifest, completed_at FROM bench_meta").fetchone()
            return ("complete" if row and row[2] else "incomplete"), row
    except psycopg.OperationalError as error:
        if "does not exist" in str(error):
            return "missing", None
        raise


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passports", type=int, default=200_000)
    parser.add_argument("--database", help="default: autopaspoort_bench_<size>, e.g. _2m, _200k")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--server", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_SERVER))
    parser.add_argument("--force", action="store_true", help="drop and regenerate")
    args = parser.parse_args(argv)
    n = args.passports
    if n < 1000:
        parser.error("--passports must be at least 1000")
    size = (
        f"{n // 1_000_000}m" if n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else str(n)
    )
    database = args.database or f"autopaspoort_bench_{size}"
    plan = Plan(n, args.seed)
    dsn = server_dsn(args.server, database)
    manifest_path = BASE_DIR / "var" / "bench" / f"{database}.json"

    state, meta = read_meta(dsn)
    if state == "complete" and not args.force:
        if meta[0] != plan.params():
            raise SystemExit(f"{database} holds a load of {meta[0]}; use --force to replace it")
        manifest_path.parent.mkdir(parents=True, exist_ok=True)
        manifest_path.write_text(json.dumps(meta[1], indent=1))
        log(f"{database}: a complete load of {meta[0]} is there already ({meta[2]:%Y-%m-%d %H:%M})")
        return 0
    if state == "foreign" and not args.force:
        raise SystemExit(f"{database} exists but was not made by this generator; use --force")

    started = time.monotonic()
    with psycopg.connect(server_dsn(args.server, "postgres"), autocommit=True) as conn:
        if state != "missing":
            log(f"dropping {database} ({state})")
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(database)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    env = {
        **os.environ,
        "DATABASE_URL": dsn,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "true",
    }
    step = time.monotonic()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )
    log(f"migrated in {time.monotonic() - step:.1f} s")

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE bench_meta (id int PRIMARY KEY DEFAULT 1 CHECK (id = 1), params jsonb "
            "NOT NULL, manifest jsonb, completed_at timestamptz)"
        )
        conn.execute("INSERT INTO bench_meta (params) VALUES (%s)", (json.dumps(plan.params()),))
        for table in TABLES:
            if conn.execute(
                sql.SQL("SELECT EXISTS (SELECT FROM {})").format(sql.Identifier(table))
            ).fetchone()[0]:
                raise SystemExit(f"{table} is not empty after migrating")
        schema = constraints_and_indexes(conn)
        for _table, drop, _create, _kind in reversed(schema):
            conn.execute(drop)
        log(f"dropped {len(schema)} indexes and constraints")

        rng = random.Random(plan.seed)
        clock = Clock()
        step = time.monotonic()
        all_plates = generate_plates(n + plan.new_plates, rng)
        plates, new_plates = all_plates[:n], all_plates[n:]
        password_hash = hash_password()
        log(f"{len(all_plates):,} plates and the password hash in {time.monotonic() - step:.1f} s")

        step = time.monotonic()
        special, fleets_of, rows = load_small_tables(dsn, plan, clock, rng, password_hash)
        log(f"garages, staff, fleets: {rows} in {time.monotonic() - step:.1f} s")
        step = time.monotonic()
        rows_big = load_passports(dsn, plan, clock, rng, plates, fleets_of, special, password_hash)
        seconds = time.monotonic() - step
        log(f"passports and their rows in {seconds:.1f} s:")
        for table, count in rows_big.items():
            log(f"  {table:<30} {count:>11,} rows  ({count / seconds:,.0f}/s)")

        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("SET max_parallel_maintenance_workers = 2")
        rebuilt = {}
        for table, _drop, create, _kind in schema:
            step = time.monotonic()
            conn.execute(create)
            rebuilt[table] = rebuilt.get(table, 0) + time.monotonic() - step
        log("indexes and constraints rebuilt:")
        for table, seconds in rebuilt.items():
            log(f"  {table:<30} {seconds:6.1f} s")
        for table in TABLES:
            conn.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence({t}, 'id'), "
                    "(SELECT coalesce(max(id), 0) + 1 FROM {i}), false)"
                ).format(t=sql.Literal(table), i=sql.Identifier(table))
            )
        step = time.monotonic()
        # VACUUM as well as ANALYZE: sets hint bits and the visibility map now, so the first
        # benchmark run does not pay for them (and index-only scans work as they would in use).
        conn.execute(
            sql.SQL("VACUUM (ANALYZE) {}").format(sql.SQL(", ").join(map(sql.Identifier, TABLES)))
        )
        log(f"vacuum analyze in {time.monotonic() - step:.1f} s")

        sample = random.Random(plan.seed + 1)
        counts = {
            table: conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]
            for table in TABLES
        }
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        manifest = {
            "database": database,
            "params": plan.params(),
            "password": PASSWORD,
            **special,
            "existing_plates": sample.sample(plates, plan.sample_plates),
            "new_plates": new_plates,
            "counts": counts,
            "database_bytes": size,
            "generated_seconds": round(time.monotonic() - started, 1),
        }
        manifest["big_garage"]["passports"] = plan.big
        verify(env, manifest)
        conn.execute(
            "UPDATE bench_meta SET manifest = %s, completed_at = now()", (json.dumps(manifest),)
        )
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest, indent=1))
    for table, count in counts.items():
        log(f"  {table:<30} {count:>11,}")
    log(
        f"{database}: {size / 2**30:.2f} GiB in {time.monotonic() - started:.0f} s; "
        f"manifest {manifest_path}"
    )
    return 0


VERIFY = """
from autopaspoort import plates
from autopaspoort.models import Passport
m = {manifest}
big = m["big_garage"]
assert Passport.objects.filter(garage_id=big["id"]).count() == big["passports"]
showcase = Passport.objects.get(plate=m["showcase"]["plate"])
assert plates.normalize(showcase.plate.replace("-", "").lower()) == showcase.plate
assert showcase.history.count() == m["showcase"]["history_entries"]
assert showcase.checks.count() == m["showcase"]["status_checks"]
assert showcase.latest_check == showcase.checks.first()
assert showcase.owner.email == m["showcase"]["owner_email"] and showcase.owner.has_usable_password()
assert not Passport.objects.filter(plate__in=m["new_plates"][:500]).exists()
print("verified with Django")
"""


def verify(env, manifest):
    """Read the data back through the app's own models, in a separate process."""
    keys = ("big_garage", "showcase", "new_plates")
    code = VERIFY.format(manifest=repr({key: manifest[key] for key in keys}))
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=BASE_DIR, env=env, check=True
    )


if __name__ == "__main__":
    sys.exit(main())
