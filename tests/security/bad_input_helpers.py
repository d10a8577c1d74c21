"""Shared by the bad-input and CSRF suites: every route of the URLconf with the objects its URL
needs and who may use it, which of them accept POST (found by asking, not by reading code), the
field values hypothesis posts to each form, and a fingerprint of every app table to prove that
a refused request wrote nothing.

A new route fails `test_every_route_is_known` until it is in ROUTES; a new POST view fails
`test_every_post_view_is_covered` until it is in FORMS. That is the point: new forms are fuzzed
and CSRF-checked without anyone remembering to.
"""

from __future__ import annotations

import itertools
import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace

from django.apps import apps
from django.contrib.auth.tokens import default_token_generator
from django.db import connection, models, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import strategies as st

from accounts.tokens import activation_token_generator
from appointments import catalogue
from autopaspoort import plates
from autopaspoort.models import Passport, StatusCheck, StatusCheckItem
from autopaspoort.services import garage_move_decide, garage_move_request
from billing.services import statement_close
from fleet.services import fleet_link_request, stock_fleet_for
from garage.models import Membership
from garage.services import api_token_create
from notifications.models import Topic
from notifications.tokens import unsubscribe_token
from tests.accounts.factories import PASSWORD, UserFactory
from tests.appointments.factories import ask
from tests.autopaspoort.factories import PassportFactory, item, record_check
from tests.billing.factories import tariff, usage
from tests.fleet.factories import FleetFactory, fleet_car, manager_of
from tests.garage.factories import GarageFactory, MembershipFactory
from tests.photos.factories import add_photos
from tests.photos.images import jpeg_bytes, upload
from tests.promotions.factories import PromotionFactory
from tests.quotes.factories import checked_car, sent_quote, start
from tests.sharing.factories import share
from tests.transfers.factories import contact, customer_passport, transfer
from transfers.models import Transfer
from transfers.services import transfer_confirm

# Our own apps: the tables whose rows a refused request must leave alone.
LOCAL_APPS = (
    "core",
    "accounts",
    "garage",
    "autopaspoort",
    "fleet",
    "transfers",
    "notifications",
    "reminders",
    "appointments",
    "promotions",
    "insights",
    "sharing",
    "photos",
    "quotes",
    "billing",
)
# Django's own pages: its admin and the API (tests/security/test_api_bad_input.py) are not
# form views of ours.
SKIPPED_PREFIXES = ("admin/", "api/")
# What Django renders for form errors (`<ul class="errorlist">`, also "errorlist nonfield").
ERROR_MARKUP = 'class="errorlist'


# --- The world every URL is built from --------------------------------------------------------


def build_world(garage) -> SimpleNamespace:
    """One of everything a URL can point at, all reachable by the route's actor."""
    admin = garage.account_user
    w = SimpleNamespace(garage=garage, admin=admin)
    w.membership = MembershipFactory(garage=garage, role=Membership.Role.MECHANIC, invited_by=admin)
    w.stock = PassportFactory(garage=garage)
    w.check = record_check(
        w.stock, items=[item(StatusCheckItem.Component.TYRES_FRONT, "now", cost="120.00")]
    )
    w.item = w.check.items.get()
    (w.photo,) = add_photos(w.check, item=w.item)
    w.pending = PassportFactory(garage=garage)
    w.transfer = transfer(w.pending, "nieuwe.klant@example.nl")
    w.new_owner = w.transfer.new_owner
    w.owner = UserFactory(full_name="Eigenaar Fuzz")
    w.owner_car = customer_passport(garage, w.owner)
    w.owner_car_busy = customer_passport(garage, w.owner)
    w.appointment = ask(w.owner_car_busy)
    # A quote sent to the owner about a car of its own, with one "now" finding (portal:quote).
    w.quote_car = customer_passport(garage, w.owner)
    record_check(
        w.quote_car, items=[item(StatusCheckItem.Component.BRAKES_FRONT, "now", cost="300.00")]
    )
    w.owner_quote = sent_quote(w.quote_car)
    w.fleet = FleetFactory(garages=[garage])
    w.manager = manager_of(w.fleet)
    w.fleet_car = fleet_car(w.fleet, garage=garage)
    w.promotion = PromotionFactory(garage=garage, created_by=admin)
    w.link_request = fleet_link_request(passport=w.owner_car, fleet=w.fleet, actor=admin)
    # Another garage asks the owner to service the car; garage A handed a car over to it.
    w.garage_b = GarageFactory(name="Garage Fuzz B")
    w.move_request = garage_move_request(
        passport=w.owner_car, garage=w.garage_b, actor=w.garage_b.account_user
    )
    w.moved = customer_passport(garage, UserFactory(full_name="Eigenaar Verhuisd"))
    garage_move_decide(
        move_request=garage_move_request(
            passport=w.moved, garage=w.garage_b, actor=w.garage_b.account_user
        ),
        user=w.moved.owner,
        accept=True,
    )
    w.elsewhere = customer_passport(w.garage_b, UserFactory(full_name="Eigenaar Elders"))
    # A private sale by the owner, waiting for the buyer (portal:sale_cancel).
    w.sale = transfer_confirm(
        passport=customer_passport(garage, w.owner),
        contact=contact("koper.fuzz@example.nl"),
        actor=w.owner,
        via=Transfer.Via.OWNER,
    ).transfer
    # Made on first use by the pages that offer fleets: made here, so that a page view is not
    # taken for a write.
    stock_fleet_for(garage=garage)
    w.token, w.raw_token = api_token_create(garage=garage, actor=admin, name="GMS fuzz")
    w.invited = UserFactory(password=False)
    w.light = catalogue.all_lights()[0].code
    w.unsubscribe = unsubscribe_token(email=w.owner.email, topic=Topic.values[0])
    w.share = share(w.owner_car, actor=w.owner)
    w.stock_share = share(w.stock, actor=admin, include_photos=True)  # serves w.photo
    # Garage A's pages: a draft quote (the form page) and a sent one (new version, withdraw).
    w.draft_car = checked_car(garage, UserFactory(full_name="Eigenaar Offerte"))
    w.quote_draft = start(w.draft_car)
    w.quote_sent = sent_quote(checked_car(garage, UserFactory(full_name="Eigenaar Verstuurd")))
    # A closed month with its invoice (the billing pages).
    tariff()
    statement, _closed = statement_close(usage_id=usage(garage, active_passports=3).pk)
    w.invoice = statement.invoices.get()
    return w


def in_days(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def _uid(user) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


@dataclass(frozen=True)
class Route:
    actor: str  # "admin" | "manager" | "owner" | "anon"
    kwargs: Callable[[SimpleNamespace], dict] = lambda w: {}


def _quote(w):
    return {"plate": w.quote_car.plate, "quote_id": w.owner_quote.pk}


def _g(w, **more):
    return {"garage_id": w.garage.pk, **more}


# Every route of the URLconf (but Django's admin and the API): who uses it and its URL's objects.
ROUTES: dict[str, Route] = {
    "home": Route("owner"),
    "healthz": Route("anon"),
    "favicon": Route("anon"),
    "set_language": Route("anon"),
    "accounts:login": Route("anon"),
    "accounts:logout": Route("owner"),
    "accounts:password_change": Route("owner"),
    "accounts:password_reset": Route("anon"),
    "accounts:password_reset_sent": Route("anon"),
    "accounts:password_set": Route(
        "anon",
        lambda w: {
            "uidb64": _uid(w.invited),
            "token": default_token_generator.make_token(w.invited),
        },
    ),
    "garage:home": Route("admin"),
    "garage:dashboard": Route("admin", _g),
    "garage:settings": Route("admin", _g),
    "garage:staff": Route("admin", _g),
    "garage:api_tokens": Route("admin", _g),
    "garage:api_token_revoke": Route("admin", lambda w: _g(w, token_id=w.token.pk)),
    "garage:staff_remove": Route("admin", lambda w: _g(w, membership_id=w.membership.pk)),
    "autopaspoort:create": Route("admin", _g),
    "autopaspoort:vehicle_lookup": Route("admin", _g),
    "autopaspoort:profile": Route("admin", lambda w: _g(w, plate=w.stock.plate)),
    "autopaspoort:close": Route("admin", lambda w: _g(w, plate=w.stock.plate)),
    "autopaspoort:details": Route("admin", lambda w: _g(w, plate=w.stock.plate)),
    "autopaspoort:owner_edit": Route("admin", lambda w: _g(w, plate=w.pending.plate)),
    "autopaspoort:check_create": Route("admin", lambda w: _g(w, plate=w.stock.plate)),
    "autopaspoort:check_detail": Route(
        "admin", lambda w: _g(w, plate=w.stock.plate, check_id=w.check.pk)
    ),
    "autopaspoort:history_create": Route("admin", lambda w: _g(w, plate=w.stock.plate)),
    "autopaspoort:vehicle_edit": Route("admin", lambda w: _g(w, plate=w.stock.plate)),
    "autopaspoort:vehicle_choose": Route("admin", lambda w: _g(w, plate=w.stock.plate)),
    "autopaspoort:item_delivery": Route(
        "admin", lambda w: _g(w, plate=w.stock.plate, item_id=w.item.pk)
    ),
    "transfers:start": Route("admin", lambda w: _g(w, plate=w.stock.plate)),
    "transfers:resend": Route(
        "admin", lambda w: _g(w, plate=w.pending.plate, transfer_id=w.transfer.pk)
    ),
    "transfers:correct": Route(
        "admin", lambda w: _g(w, plate=w.pending.plate, transfer_id=w.transfer.pk)
    ),
    "transfers:cancel": Route(
        "admin", lambda w: _g(w, plate=w.pending.plate, transfer_id=w.transfer.pk)
    ),
    "portal:settings": Route("owner"),
    "portal:data_download": Route("owner"),
    "portal:delete_account": Route("owner"),
    "account_deleted": Route("anon"),
    "legal:privacy": Route("anon"),
    "legal:terms": Route("anon"),
    "notifications:unsubscribe": Route("anon", lambda w: {"token": w.unsubscribe}),
    "portal:lights": Route("owner"),
    "portal:light_ask": Route("owner", lambda w: {"code": w.light}),
    "portal:appointment_request": Route("owner", lambda w: {"plate": w.owner_car.plate}),
    "portal:appointment_state": Route("owner", lambda w: {"plate": w.owner_car.plate}),
    "portal:quote": Route("owner", lambda w: _quote(w)),
    "portal:quote_decline": Route("owner", lambda w: _quote(w)),
    "portal:quote_total": Route("owner", lambda w: _quote(w)),
    "portal:appointment_accept": Route(
        "owner", lambda w: {"plate": w.owner_car_busy.plate, "appointment_id": w.appointment.pk}
    ),
    "portal:appointment_cancel": Route(
        "owner", lambda w: {"plate": w.owner_car_busy.plate, "appointment_id": w.appointment.pk}
    ),
    "appointments:garage_list": Route("admin", _g),
    "appointments:garage_detail": Route("admin", lambda w: _g(w, appointment_id=w.appointment.pk)),
    "appointments:garage_accept": Route("admin", lambda w: _g(w, appointment_id=w.appointment.pk)),
    "appointments:garage_lights": Route("admin", _g),
    "appointments:garage_light_edit": Route("admin", lambda w: _g(w, code=w.light)),
    "quotes:garage_list": Route("admin", _g),
    "quotes:start": Route("admin", lambda w: _g(w, plate=w.draft_car.plate)),
    "quotes:garage_detail": Route("admin", lambda w: _g(w, quote_id=w.quote_draft.pk)),
    "quotes:garage_totals": Route("admin", lambda w: _g(w, quote_id=w.quote_draft.pk)),
    "quotes:garage_delete": Route("admin", lambda w: _g(w, quote_id=w.quote_draft.pk)),
    "quotes:garage_new_version": Route("admin", lambda w: _g(w, quote_id=w.quote_sent.pk)),
    "quotes:garage_withdraw": Route("admin", lambda w: _g(w, quote_id=w.quote_sent.pk)),
    "promotions:list": Route("admin", _g),
    "promotions:create": Route("admin", _g),
    "promotions:detail": Route("admin", lambda w: _g(w, promotion_id=w.promotion.pk)),
    "promotions:edit": Route("admin", lambda w: _g(w, promotion_id=w.promotion.pk)),
    "promotions:preview": Route("admin", lambda w: _g(w, promotion_id=w.promotion.pk)),
    "promotions:send": Route("admin", lambda w: _g(w, promotion_id=w.promotion.pk)),
    "insights:statistics": Route("admin", _g),
    "insights:usage": Route("admin", _g),
    "billing:usage": Route("admin", _g),
    "billing:invoice_pdf": Route("admin", lambda w: _g(w, invoice_id=w.invoice.pk)),
    "reminders:garage_list": Route("admin", _g),
    "portal:home": Route("owner"),
    "portal:activation_resend": Route("anon"),
    "portal:activate": Route(
        "anon",
        lambda w: {
            "uidb64": _uid(w.new_owner),
            "token": activation_token_generator.make_token(w.new_owner),
        },
    ),
    "portal:car": Route("owner", lambda w: {"plate": w.owner_car.plate}),
    "portal:accept": Route("owner", lambda w: {"plate": w.owner_car.plate}),
    "portal:fleet_request_answer": Route(
        "owner", lambda w: {"plate": w.owner_car.plate, "request_id": w.link_request.pk}
    ),
    "portal:garage_move_answer": Route(
        "owner", lambda w: {"plate": w.owner_car.plate, "move_request_id": w.move_request.pk}
    ),
    "autopaspoort:handed_over": Route("admin", lambda w: _g(w, plate=w.moved.plate)),
    "autopaspoort:move_request": Route("admin", lambda w: _g(w, plate=w.elsewhere.plate)),
    "portal:sell": Route("owner", lambda w: {"plate": w.owner_car.plate}),
    "portal:sale_cancel": Route("owner", lambda w: {"sale_id": w.sale.pk}),
    "fleet:dashboard": Route("manager", lambda w: {"fleet_id": w.fleet.pk}),
    "fleet:export": Route("manager", lambda w: {"fleet_id": w.fleet.pk}),
    "fleet:car": Route("manager", lambda w: {"fleet_id": w.fleet.pk, "plate": w.fleet_car.plate}),
    "fleet:driver": Route(
        "manager", lambda w: {"fleet_id": w.fleet.pk, "plate": w.fleet_car.plate}
    ),
    "fleet:transfer": Route(
        "manager", lambda w: {"fleet_id": w.fleet.pk, "plate": w.fleet_car.plate}
    ),
    "fleet:garage_fleets": Route("admin", _g),
    "fleet:link": Route("admin", lambda w: _g(w, plate=w.stock.plate)),
    "fleet:unlink": Route("admin", lambda w: _g(w, plate=w.fleet_car.plate)),
    "photos:file": Route("admin", lambda w: {"key": w.photo.key, "version": "original"}),
    "sharing:page": Route("anon", lambda w: {"token": w.share.token}),
    "sharing:pdf": Route("anon", lambda w: {"token": w.share.token}),
    "sharing:photo": Route(
        "anon", lambda w: {"token": w.stock_share.token, "key": w.photo.key, "version": "large"}
    ),
    "sharing:verify": Route("anon"),
    "sharing:owner_create": Route("owner", lambda w: {"plate": w.owner_car.plate}),
    "sharing:owner_revoke": Route(
        "owner", lambda w: {"plate": w.owner_car.plate, "link_id": w.share.pk}
    ),
    "sharing:garage_create": Route("admin", lambda w: _g(w, plate=w.stock.plate)),
    "sharing:garage_revoke": Route(
        "admin", lambda w: _g(w, plate=w.stock.plate, link_id=w.stock_share.pk)
    ),
}


def url_route_names() -> list[str]:
    """Every named route of the URLconf, namespaced, but Django's admin and the API."""

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                if not route.startswith(SKIPPED_PREFIXES):
                    assert pattern.name, f"Unnamed route {route}: name it"
                    yield namespace + pattern.name

    return sorted(set(walk(get_resolver().url_patterns, "", "")))


def actor_user(world, actor):
    return {"admin": world.admin, "manager": world.manager, "owner": world.owner}.get(actor)


_addresses = itertools.count(1)


def fresh_ip() -> str:
    """A new client address per client: the per-address limits of the login, the link emails
    and the API must not carry over from one example (or one run) to the next."""
    n = next(_addresses) + random.randrange(1 << 20) * 4096
    return f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"


def client_as(world, actor, **client_kwargs) -> Client:
    client = Client(raise_request_exception=False, REMOTE_ADDR=fresh_ip(), **client_kwargs)
    user = actor_user(world, actor)
    if user is not None:
        client.force_login(user)
    return client


def url_of(world, name) -> str:
    return reverse(name, kwargs=ROUTES[name].kwargs(world))


@transaction.atomic
def _rolled_back(fn):
    """Run `fn` and undo what it wrote (a savepoint inside the test's transaction)."""
    try:
        return fn()
    finally:
        transaction.set_rollback(True)


def rolled_back(fn):
    return _rolled_back(fn)


def post_accepting_routes(world) -> list[str]:
    """The routes whose view takes a POST: everything that does not answer 405. Asked, not
    read from the code, so a view without a method decorator counts as well."""
    found = []
    for name in url_route_names():
        if name not in ROUTES:
            continue  # test_every_route_is_known says so
        client = client_as(world, ROUTES[name].actor)
        url = url_of(world, name)
        status = rolled_back(lambda client=client, url=url: client.post(url, {}).status_code)
        if status != 405:
            found.append(name)
    return found


# --- A fingerprint of every app table ---------------------------------------------------------


def app_models(exclude=()) -> list[type[models.Model]]:
    return [
        model
        for label in LOCAL_APPS
        for model in apps.get_app_config(label).get_models()
        if not model._meta.proxy and model._meta.label not in exclude
    ]


def fingerprint(exclude=()) -> dict[str, tuple]:
    """(rows, highest id, digest of all rows) per app table, in one query on PostgreSQL."""
    tables = app_models(exclude)
    quote = connection.ops.quote_name
    parts = []
    for model in tables:
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        if connection.vendor == "postgresql":
            parts.append(
                f"(SELECT count(*)::text || ':' || coalesce(max(t.{pk})::text, '0') || ':' || "
                f"md5(coalesce(string_agg(t::text, '|' ORDER BY t.{pk}), '')) FROM {table} t)"
            )
        else:
            parts.append(f"(SELECT count(*) || ':' || coalesce(max({pk}), 0) || ':' FROM {table})")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))  # noqa: S608 - our own table names
        row = cursor.fetchone()
    return {
        model._meta.label: tuple(value.split(":")) for model, value in zip(tables, row, strict=True)
    }


def changed_tables(before, after) -> list[str]:
    return [label for label in before if before[label] != after[label]]


def assert_new_rows_complete(before, after) -> None:
    """Rows a valid request created are whole: required fields filled, no NUL in text, a check
    with its items, an appointment with its times, a plate in its canonical spelling."""
    for label in changed_tables(before, after):
        model = apps.get_model(label)
        highest = int(before[label][1])
        for row in model._default_manager.filter(pk__gt=highest):
            for f in model._meta.concrete_fields:
                value = getattr(row, f.attname)
                if isinstance(value, str):
                    assert "\x00" not in value, (label, f.name)
                required = not (f.null or f.blank or f.has_default() or f.primary_key)
                if required and not isinstance(f, models.BooleanField):
                    assert value not in (None, ""), f"{label}.{f.name} is empty in a new row"
            if isinstance(row, StatusCheck):
                assert row.items.exists(), "a status check without items"
            if isinstance(row, Passport):
                assert row.plate == plates.normalize(row.plate)
            if label == "appointments.Appointment":
                assert row.slots.exists(), "an appointment without preferred times"


# --- What hypothesis posts --------------------------------------------------------------------

CONTROL = "".join(chr(c) for c in range(32)) + "\x7f\u200b\u202e\ufeff\ud7ff"
LONG = 10_241  # over 10k characters

nasty_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=CONTROL, min_size=1, max_size=10),
    st.text(max_size=10).map(lambda s: f"{s}\x00{s}"),
    st.sampled_from("a€🚗\u202e0<").map(lambda c: c * LONG),
    st.sampled_from(
        [
            "",
            " ",
            "\t\r\n",
            "\x00",
            "null",
            "None",
            "undefined",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "%00",
            "{{ 7*7 }}",
            '=HYPERLINK("http://x")',
            "\ufeffGJ-55-55",
            "🚗" * 300,
        ]
    ),
)
plate_values = st.one_of(
    st.sampled_from(
        [
            "gj5555",
            "GJ-55-55",
            "gj 55 55",
            " g j 5 5 5 5 ",
            "ＧＪ５５５５",  # fullwidth
            "GJ‐55‐55",  # unicode hyphens
            "GJ--55--55",
            "gj.55.55",
            "AA-00-00",
            "CD-123-4",
            "ZZ-00-01",
            "F-12-34",
            "0000",
            "GJ-55-55\x00",
            "ĞJ-55-55",
            "1-ABC-23",
            "X" * 30,
        ]
    ),
    st.from_regex(r"[A-Za-z0-9 \-]{1,12}", fullmatch=True),
)
email_values = st.one_of(
    st.sampled_from(
        [
            "a",
            "a@",
            "@b.nl",
            "a@b",
            "a@@b.nl",
            "a b@c.nl",
            "a@b.nl\n",
            "a@b.nl\x00",
            "x" * 300 + "@b.nl",
            "a@" + "b" * 300 + ".nl",
            "ünï@cödé.nl",
            "a@b.nl,c@d.nl",
            "klant@gmial.com",
            " Klant@Example.NL ",
            "klant@example.nl",
            "garage-a@example.nl",
        ]
    ),
    st.emails().map(str),
)
postcode_values = st.sampled_from(
    ["1234AB", "1234 ab", "0123AB", "1234 SS", "12345", "ABCD12", "1234  AB", "１２３４AB", "1234"]
)
date_values = st.one_of(
    st.sampled_from(
        [
            "2024-02-30",
            "0000-00-00",
            "0001-01-01",
            "9999-12-31",
            "10000-01-01",
            "1900-01-01",
            "2100-01-01",
            "31-12-2024",
            "2024/01/01",
            "-2024-01-01",
            "2024-13-01",
            "today",
        ]
    ),
    st.dates().map(lambda d: d.isoformat()),
)
money_values = st.one_of(
    st.sampled_from(
        [
            "-1",
            "-0.01",
            "NaN",
            "sNaN",
            "Infinity",
            "-inf",
            "1e30",
            "1E+30",
            "12,50",
            "1.234,56",
            "1,234.56",
            "0.001",
            "99999999999.99",
            "100000.01",
            "0",
            "€12",
            "12.5.5",
            " 12 ",
            "1_000",
        ]
    ),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(str),
)
int_values = st.one_of(
    st.sampled_from(
        [
            "-1",
            "0",
            "2000001",
            str(2**31),
            str(2**63),
            str(-(2**63) - 1),
            "9" * 40,
            "1e6",
            "1.5",
            "12,000",
            "12.000",
            "0x10",
            "١٢٣",  # Arabic-Indic digits: int() reads them
        ]
    ),
    st.integers().map(str),
)
bool_values = st.sampled_from(["on", "off", "true", "false", "1", "0", ""])
kvk_values = st.sampled_from(["12345678", "1234567", "123456789", "abcdefgh", "00000000"])
password_values = st.sampled_from([PASSWORD, "", "x", "a" * 5000, "Nieuw-wachtwoord-2024"])

photo_values = st.one_of(
    st.builds(lambda: upload(jpeg_bytes(size=(64, 48)))),
    st.builds(lambda: upload(b"geen foto", "x.jpg")),
    st.builds(lambda: upload(b"", "leeg.jpg")),
    st.text(max_size=10),
)

TYPED = {
    "text": st.text(alphabet=string.ascii_letters + " ", min_size=1, max_size=30),
    "plate": plate_values,
    "email": email_values,
    "postcode": postcode_values,
    "date": date_values,
    "money": money_values,
    "int": int_values,
    "bool": bool_values,
    "kvk": kvk_values,
    "password": password_values,
}


@dataclass(frozen=True)
class Form:
    """What one POST view takes: field -> (kind, valid value). `kind` "form": an invalid post
    re-renders the form with errors; "action": it redirects (with a message) or shows a result
    page, so 2xx/3xx are both fine as long as a refusal writes nothing."""

    fields: dict[str, tuple[str, object]] = field(default_factory=dict)
    kind: str = "form"
    # A 200 without an error that is neither a refusal nor a write: a step of a flow.
    neutral: Callable | None = None
    # Sent first (e.g. a GET that puts a token in the session); returns the URL to post to.
    prepare: Callable | None = None

    def valid(self, world) -> dict:
        return {
            name: (value(world) if callable(value) else value)
            for name, (_kind, value) in self.fields.items()
        }


def choice(*values):
    return st.sampled_from(list(values))


def _transfer_step(response):
    templates = {t.name for t in response.templates}
    return "transfers/transfer_confirm.html" in templates or b"suggestion" in response.content


def _passport_lookup(response):
    return "autopaspoort/passport_create.html" in {t.name for t in response.templates}


def _password_set_prepare(client, url):
    response = client.get(url)
    return response["Location"] if response.status_code == 302 else url


CONTACT = {
    "name": ("text", "Piet Koper"),
    "email": ("email", "piet.koper@example.nl"),
    "street": ("text", "Kerkstraat"),
    "house_number": ("text", "12"),
    "postcode": ("postcode", "3511 AB"),
    "city": ("text", "Utrecht"),
    "phone": ("text", "0612345678"),
    "expected_version": ("int", lambda w: w.stock.owner_version),
    "keep_email": ("bool", ""),
    "step": (choice("details", "confirm", "edit"), "confirm"),
}
NO_FIELDS = Form({"anything": ("text", "")}, kind="action")
# The draft quote's page: one line, its validity date and note, and which button.
QUOTE_LINES = {
    "lines-TOTAL_FORMS": ("int", "1"),
    "lines-INITIAL_FORMS": ("int", "0"),
    "lines-0-kind": (choice("part", "labour", "other", "x"), "labour"),
    "lines-0-description": ("text", "Remblokken vervangen"),
    "lines-0-quantity": ("money", "1,5"),
    "lines-0-unit_price": ("money", "120,50"),
    "lines-0-check_item": ("int", ""),
    "lines-0-DELETE": ("bool", ""),
    "valid_until": ("date", lambda w: in_days(14)),
    "note": ("text", "Graag voor vrijdag"),
    "action": (choice("save", "add", "send", "x"), "save"),
}

# Every POST view: its fields with a valid value each. test_every_post_view_is_covered keeps
# this in step with the URLconf.
FORMS: dict[str, Form] = {
    "set_language": Form(
        {"language": (choice("nl", "en", "xx"), "en"), "next": ("text", "/")}, kind="action"
    ),
    "accounts:login": Form(
        {"username": ("email", lambda w: w.owner.email), "password": ("password", PASSWORD)}
    ),
    "accounts:logout": NO_FIELDS,
    "accounts:password_change": Form(
        {
            "old_password": ("password", PASSWORD),
            "new_password1": ("password", "Nieuw-wachtwoord-2024"),
            "new_password2": ("password", "Nieuw-wachtwoord-2024"),
        }
    ),
    "accounts:password_reset": Form({"email": ("email", lambda w: w.owner.email)}),
    "accounts:password_set": Form(
        {
            "new_password1": ("password", "Nieuw-wachtwoord-2024"),
            "new_password2": ("password", "Nieuw-wachtwoord-2024"),
        },
        prepare=_password_set_prepare,
    ),
    "garage:settings": Form(
        {
            "name": ("text", "Garage A"),
            "email": ("email", lambda w: w.garage.email),
            "phone": ("text", "030-1234567"),
            "street": ("text", "Dorpsstraat"),
            "house_number": ("text", "1"),
            "postcode": ("postcode", "1234 AB"),
            "city": ("text", "Utrecht"),
            "kvk_number": ("kvk", "12345678"),
            "current_password": ("password", PASSWORD),
        }
    ),
    "garage:staff": Form(
        {
            "email": ("email", "monteur.nieuw@example.nl"),
            "full_name": ("text", "Nieuwe Monteur"),
            "role": (choice(*Membership.Role.values, ""), Membership.Role.MECHANIC),
        }
    ),
    # Shows the new token in the answer to the POST (never stored to show after a redirect).
    "garage:api_tokens": Form({"name": ("text", "Mijn GMS")}, kind="action"),
    "garage:api_token_revoke": NO_FIELDS,
    "garage:staff_remove": NO_FIELDS,
    "autopaspoort:create": Form(
        {
            "plate": ("plate", "GJ-55-55"),
            "owner_email": ("email", lambda w: w.garage.email),
            "owner_name": ("text", ""),
            "owner_postcode": ("postcode", ""),
            "driver_email": ("email", ""),
            "odometer_km": ("int", "12000"),
            "make": ("text", "VOLKSWAGEN"),
            "first_admission": ("date", "2019-05-01"),
            "apk_expires": ("date", "2026-05-01"),
            "fleet": ("int", ""),
            "rdw_plate": ("plate", ""),
            "rdw_status": (choice("found", "unknown", ""), ""),
            "rdw_odometer_judgement": ("text", ""),
            "lookup": ("text", None),  # None: left out of the valid post
        },
        neutral=_passport_lookup,
    ),
    "autopaspoort:check_create": Form(
        {
            "odometer_km": ("int", lambda w: str(w.stock.odometer_km + 100)),
            "odometer_correction_reason": ("text", ""),
            "notes": ("text", "Fuzz"),
            "items-TOTAL_FORMS": ("int", "2"),
            "items-INITIAL_FORMS": ("int", "0"),
            "items-0-component": (choice(*StatusCheckItem.Component.values), "tyres_front"),
            "items-0-rating": (choice(*StatusCheckItem.Rating.values, ""), "soon"),
            "items-0-tread_depth_mm": ("money", "3,5"),
            "items-0-estimated_cost": ("money", "120,50"),
            "items-0-note": ("text", ""),
            "items-0-fix_before_delivery": ("bool", "on"),
            "items-1-component": (choice(*StatusCheckItem.Component.values), "other"),
            "items-1-description": ("text", "Ruitenwisser"),
            "items-1-rating": (choice(*StatusCheckItem.Rating.values, ""), "ok"),
            "items-1-estimated_cost": ("money", "0"),
        }
    ),
    "autopaspoort:history_create": Form(
        {
            "kind": (choice("small_service", "repair", "apk", "x"), "repair"),
            "date": ("date", lambda w: in_days(0)),
            "odometer_km": ("int", lambda w: str(w.stock.odometer_km + 10)),
            "odometer_correction_reason": ("text", ""),
            "description": ("text", "Remblokken vervangen"),
            "cost": ("money", "219,00"),
            "apk_expires": ("date", ""),
        }
    ),
    "autopaspoort:vehicle_edit": Form(
        {
            "make": ("text", "VOLKSWAGEN"),
            "model": ("text", "GOLF"),
            "colour": ("text", "ROOD"),
            "fuel": ("text", "Benzine"),
            "first_admission": ("date", "2018-03-01"),
            "apk_expires": ("date", lambda w: in_days(300)),
            "vin": ("text", "WVWZZZ1JZXW000001"),
        }
    ),
    "autopaspoort:vehicle_choose": Form(
        {
            "field": (choice("colour", "make", "x"), "colour"),
            "choice": (choice("rdw", "ours", "x"), "rdw"),
        },
        kind="action",
    ),
    "autopaspoort:item_delivery": Form({"fix": (choice("0", "1"), "1")}, kind="action"),
    # Photos for an item or the intake (multipart; an urlencoded post carries no file).
    "autopaspoort:check_detail": Form(
        {
            "target": (choice("intake", "x", "0", str(2**63)), lambda w: str(w.item.pk)),
            "kind": (choice("sides", "odometer", "dashboard", "item", "x"), None),
            "photos": (photo_values, lambda w: upload(jpeg_bytes(size=(64, 48)))),
        }
    ),
    "transfers:start": Form(CONTACT, neutral=_transfer_step),
    "autopaspoort:owner_edit": Form(
        {
            **{name: CONTACT[name] for name in ("name", "street", "house_number", "city")},
            "postcode": ("postcode", "3511 AB"),
            "phone": ("text", "0612345678"),
            "expected_version": (
                "int",
                lambda w: Passport.objects.get(pk=w.pending.pk).owner_version,
            ),
        }
    ),
    "transfers:resend": NO_FIELDS,
    "transfers:correct": Form({"new_email": ("email", "gecorrigeerd@example.nl")}),
    "transfers:cancel": NO_FIELDS,
    "portal:settings": Form(
        {"reminders_enabled": ("bool", "on"), "promotions_enabled": ("bool", "")}
    ),
    "notifications:unsubscribe": NO_FIELDS,
    "portal:data_download": Form({"password": ("password", PASSWORD)}, kind="action"),
    "portal:delete_account": Form(
        {"password": ("password", PASSWORD), "confirm": ("bool", "on")}, kind="action"
    ),
    "portal:appointment_request": Form(
        {
            "reason": (choice("maintenance", "apk", "warning_light", "x"), "maintenance"),
            "warning_light": (choice("", "oil_pressure", "x"), ""),
            "date_1": ("date", lambda w: in_days(7)),
            "part_1": (choice("morning", "afternoon", "x"), "morning"),
            "date_2": ("date", ""),
            "part_2": (choice("morning", "afternoon", ""), "morning"),
            "date_3": ("date", ""),
            "part_3": (choice("morning", "afternoon", ""), "morning"),
            "note": ("text", "Piept bij remmen"),
        }
    ),
    "portal:quote": Form(
        {
            "lines": ("int", lambda w: str(w.owner_quote.lines.get().pk)),
            "date_1": ("date", lambda w: in_days(7)),
            "part_1": (choice("morning", "afternoon", "x"), "morning"),
            "date_2": ("date", ""),
            "part_2": (choice("morning", "afternoon", ""), "morning"),
            "date_3": ("date", ""),
            "part_3": (choice("morning", "afternoon", ""), "morning"),
            "note": ("text", "Graag met vervangauto"),
        }
    ),
    "portal:quote_decline": Form({"reason": ("text", "Te duur voor nu")}),
    "portal:appointment_accept": NO_FIELDS,
    "portal:appointment_cancel": NO_FIELDS,
    "appointments:garage_detail": Form(
        {
            "date": ("date", lambda w: in_days(8)),
            "part_of_day": (choice("morning", "afternoon", "x"), "afternoon"),
            "message": ("text", "Dinsdag kan ook"),
        }
    ),
    "appointments:garage_accept": Form(
        {
            "slot": ("int", lambda w: str(w.appointment.slots.first().pk)),
            "message": ("text", "Tot dan"),
        },
        kind="action",
    ),
    "appointments:garage_light_edit": Form({"text": ("text", "Kom direct langs.")}),
    "quotes:start": NO_FIELDS,
    "quotes:garage_detail": Form(QUOTE_LINES),
    "quotes:garage_totals": Form(QUOTE_LINES, kind="action"),  # a partial; writes nothing
    "quotes:garage_delete": NO_FIELDS,
    "quotes:garage_new_version": NO_FIELDS,
    "quotes:garage_withdraw": NO_FIELDS,
    "promotions:create": Form(
        {
            "subject": ("text", "Wintercheck"),
            "body": ("text", "Nu met korting."),
            "ends_on": ("date", lambda w: in_days(30)),
            "segment": (choice("all", "apk_due", "make", "fuel", "x"), "all"),
            "apk_within_days": ("int", ""),
            "make": ("text", ""),
            "fuel": ("text", ""),
        }
    ),
    "promotions:edit": None,  # as create, filled in below
    "promotions:send": NO_FIELDS,
    "portal:activation_resend": Form({"email": ("email", "nieuwe.klant@example.nl")}, "action"),
    "portal:activate": Form(
        {
            "new_password1": ("password", "Nieuw-wachtwoord-2024"),
            "new_password2": ("password", "Nieuw-wachtwoord-2024"),
        }
    ),
    "portal:accept": NO_FIELDS,
    "portal:sell": Form(
        {
            **CONTACT,
            "expected_version": (
                "int",
                lambda w: Passport.objects.get(pk=w.owner_car.pk).owner_version,
            ),
        },
        neutral=_transfer_step,
    ),
    "portal:sale_cancel": NO_FIELDS,
    "sharing:owner_create": Form(
        {
            "days": ("int", "30"),
            "show_costs": ("bool", "on"),
            "include_photos": ("bool", "on"),
        },
        kind="action",
    ),
    "sharing:owner_revoke": NO_FIELDS,
    "sharing:garage_create": Form(
        {
            "days": ("int", "14"),
            "show_costs": ("bool", ""),
            "include_photos": ("bool", "on"),
        },
        kind="action",
    ),
    "sharing:garage_revoke": NO_FIELDS,
    "portal:fleet_request_answer": Form(
        {"answer": (choice("accept", "decline", "maybe"), "decline")}, kind="action"
    ),
    "portal:garage_move_answer": Form(
        {"answer": (choice("accept", "decline", "maybe"), "decline")}, kind="action"
    ),
    "autopaspoort:move_request": NO_FIELDS,
    "fleet:driver": Form(
        {
            "name": ("text", "Bestuurder"),
            "email": ("email", "bestuurder@example.nl"),
            "phone": ("text", "0612345678"),
        }
    ),
    "fleet:transfer": Form(
        {**CONTACT, "expected_version": ("int", lambda w: w.fleet_car.owner_version)},
        neutral=_transfer_step,
    ),
    "fleet:garage_fleets": Form(
        {
            "name": ("text", "Nieuw Wagenpark BV"),
            "email": ("email", "wagenpark.nieuw@example.nl"),
            "kvk_number": ("kvk", "12345678"),
            "manager_email": ("email", "beheerder.nieuw@example.nl"),
            "manager_name": ("text", "Beheerder"),
        }
    ),
    "fleet:link": Form({"fleet": ("int", lambda w: str(w.fleet.pk))}, kind="action"),
    "fleet:unlink": NO_FIELDS,
}
FORMS["promotions:edit"] = FORMS["promotions:create"]


@st.composite
def form_data(draw, form: Form, world) -> dict:
    """A post for `form`: each field valid, of its own kind but odd, any nasty text, left out
    or repeated; sometimes a field the form does not know."""
    valid = form.valid(world)
    data = {}
    for name, (kind, _value) in form.fields.items():
        typed = kind if isinstance(kind, st.SearchStrategy) else TYPED[kind]
        how = draw(st.sampled_from(["valid", "valid", "typed", "typed", "nasty", "missing"]))
        if how == "missing" or (how == "valid" and valid[name] is None):
            continue
        value = (
            valid[name] if how == "valid" else draw(typed) if how == "typed" else draw(nasty_text)
        )
        if draw(st.integers(0, 9)) == 0:
            value = [value, draw(st.one_of(typed, nasty_text))]  # a repeated field
        data[name] = value
    if draw(st.integers(0, 9)) == 0:
        data[draw(st.text(min_size=1, max_size=20))] = draw(nasty_text)
    return data
