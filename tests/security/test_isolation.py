"""Tenant isolation, generated from the URLconf (issue 9, item 7).

Every named route is walked from `get_resolver()`, so a new route is covered the day it is added:
its URL kwargs are filled from one tenant (garage A, its fleet, owner X's car) through `KWARGS`,
and a kwarg nobody registered fails the suite until someone says which object it points at.
Each actor then GETs and POSTs every route: an outsider gets 404 (never 403: that would confirm
the object exists), the anonymous visitor the login page, and nothing in the database changes.
The GMS API and the admin have their own matrices below.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import User
from api.site import api
from tests import figures
from tests.accounts.factories import UserFactory
from tests.photos.images import jpeg_bytes, upload
from tests.security.conftest import db_snapshot, snapshot_diff
from tests.transfers.factories import page_forms

pytestmark = pytest.mark.django_db

# --- Which routes, which objects ---------------------------------------------------------------

# Public by design: no tenant's data behind them (or a one-time token is the authorisation).
PUBLIC = {
    "healthz": "load balancer probe; says only up or down",
    "favicon": "a redirect to the site's icon",
    "accounts:login": "the login page",
    "accounts:logout": "logging out needs no account",
    "accounts:password_reset": "asking for a reset link; silent whether the address exists",
    "accounts:password_reset_sent": "static confirmation page",
    "accounts:password_set": "uidb64/token link from an email; the token is the authorisation",
    "portal:activate": "uidb64/token activation link; the token is the authorisation",
    "portal:activation_resend": "asking for a new activation link; silent by design",
    "notifications:unsubscribe": "signed per-address token (RFC 8058 one-click), no login",
    "set_language": "Django's i18n language switch",
    "api:openapi-json": "the API contract is published",
    "api:openapi-view": "the API docs are published",
    "api:api-root": "django-ninja's /api/v1/ root: a 404 in the contract's shape",
    "sharing:page": "a share link: the 256-bit token is the authorisation (tests/sharing)",
    "sharing:pdf": "the share link's PDF: the same token is the authorisation",
    "sharing:photo": "a photo of a share link that includes them: the same token is the "
    "authorisation (who sees which photo: tests/photos/test_access.py)",
    "sharing:verify": "anyone checks a PDF's verification code: shows what the PDF printed",
    "legal:privacy": "the privacy statement is for everyone to read",
    "legal:terms": "the terms of use are for everyone to read",
    "account_deleted": "where a deleted account lands, logged out: static text",
}
# Namespaces with their own matrix below (bearer tokens, admin permissions).
OWN_MATRIX = {"api": "test_api_*", "admin": "test_admin_*"}


@dataclass(frozen=True)
class Kwarg:
    value: Callable  # (world, names of the route's kwargs) -> value
    scope: str = ""  # "garage", "fleet" or "owner" when the kwarg says whose data it is


# The URL kwarg names the routes use, each pointing at garage A's tenant. A route with a kwarg
# missing here fails `test_every_route_kwarg_is_registered`: add it, pointing at an object of
# the same tenant as the route's other kwargs (a check of that car, a token of that garage).
KWARGS = {
    "garage_id": Kwarg(lambda w, names: w.garage.pk, scope="garage"),
    "fleet_id": Kwarg(lambda w, names: w.fleet.pk, scope="fleet"),
    # Under a fleet the plate is the fleet's car; under a garage or /mijn/ owner X's car.
    "plate": Kwarg(
        lambda w, names: w.fleet_car.plate if "fleet_id" in names else w.car.plate,
        scope="owner",
    ),
    "check_id": Kwarg(lambda w, names: w.check.pk),
    "item_id": Kwarg(lambda w, names: w.check_item.pk),
    "transfer_id": Kwarg(lambda w, names: w.transfer.pk),
    "appointment_id": Kwarg(lambda w, names: w.appointment.pk),
    "promotion_id": Kwarg(lambda w, names: w.promotion.pk),
    "token_id": Kwarg(lambda w, names: w.api_token.pk),
    "membership_id": Kwarg(lambda w, names: w.mechanic_membership.pk),
    "request_id": Kwarg(lambda w, names: w.link_request.pk),
    "move_request_id": Kwarg(lambda w, names: w.move_request.pk),
    # Owner X's private sale, waiting for the buyer (the seller no longer has the car).
    "sale_id": Kwarg(lambda w, names: w.sale.pk, scope="owner"),
    "link_id": Kwarg(lambda w, names: w.share_link.pk),  # owner X's share link of the car
    # Garage A's quote sent to owner X about the car (under /mijn/ the plate makes it X's).
    "quote_id": Kwarg(lambda w, names: w.quote.pk),
    # A photo of garage A's check of owner X's car, taken before X owned it: garage A's staff
    # only (the owner's own period is tests/photos/test_access.py's matrix).
    "key": Kwarg(lambda w, names: w.photo.key, scope="garage"),
    "version": Kwarg(lambda w, names: "original"),
    # A warning-light code is catalogue content, not tenant data (the garage part is garage_id).
    "code": Kwarg(lambda w, names: w.light_advice.light_code),
    "invoice_id": Kwarg(lambda w, names: w.invoice.pk),  # garage A's invoice (billing)
}
# Whose route it is, by the strongest scope among its kwargs (a plate under a garage is the
# garage's page of that car, not the owner's).
SCOPE_ORDER = ("garage", "fleet", "owner")


@dataclass(frozen=True)
class Route:
    name: str  # namespaced, for reverse()
    pattern: str
    kwargs: tuple[str, ...]
    namespace: str

    @property
    def scope(self) -> str:
        scopes = {KWARGS[k].scope for k in self.kwargs if k in KWARGS}
        return next((scope for scope in SCOPE_ORDER if scope in scopes), "")


def _walk(resolver, prefix="", namespace="", kwargs=()):
    for entry in resolver.url_patterns:
        names = (*kwargs, *entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, prefix + str(entry.pattern), inner, names)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Route(
                name=name or "",
                pattern=prefix + str(entry.pattern),
                kwargs=names,
                namespace=namespace.split(":")[0],
            )


def all_routes() -> list[Route]:
    return list(_walk(get_resolver()))


def site_routes() -> list[Route]:
    """The routes of the site matrix: named, not public, not the API's or the admin's."""
    return [
        route
        for route in all_routes()
        if route.name and route.name not in PUBLIC and route.namespace not in OWN_MATRIX
    ]


def test_every_route_kwarg_is_registered():
    problems = []
    for route in all_routes():
        if route.namespace in OWN_MATRIX:
            continue
        if not route.name:
            problems.append(f"{route.pattern}: unnamed route; name it so the matrix can cover it")
            continue
        if route.name in PUBLIC:
            continue
        for kwarg in route.kwargs:
            if kwarg not in KWARGS:
                problems.append(
                    f"{route.name} ({route.pattern}): URL kwarg {kwarg!r} is unknown. Add it to "
                    "KWARGS in tests/security/test_isolation.py, pointing at garage A's tenant "
                    "(or list the route in PUBLIC with the reason it is public)."
                )
    assert not problems, "\n".join(problems)


def url_for(route: Route, world) -> str:
    return reverse(
        route.name, kwargs={k: KWARGS[k].value(world, route.kwargs) for k in route.kwargs}
    )


# --- Actors ------------------------------------------------------------------------------------

# Actor -> the user in the world (None: anonymous).
ACTORS = {
    "garage_a_staff": lambda w: w.garage_admin,
    "garage_b_staff": lambda w: w.other_garage_admin,
    "fleet_manager_a": lambda w: w.fleet_manager,
    "fleet_manager_other": lambda w: w.other_fleet_manager,
    "owner_x": lambda w: w.owner_x,
    "owner_y": lambda w: w.owner_y,
    "anonymous": lambda w: None,
}
# Who is entitled to the routes of each scope; everyone logged in is entitled to the routes
# without a scope (their own settings, their own portal home ...).
ENTITLED = {"garage": "garage_a_staff", "fleet": "fleet_manager_a", "owner": "owner_x"}


def forbidden_markers(actor: str, world) -> list[str]:
    """What this actor must never see on any page (strings of garage A's tenant)."""
    if actor == "garage_a_staff":
        return []
    if actor == "owner_x":
        return [world.fleet_car.plate]
    if actor == "fleet_manager_a":
        return [world.car.plate]
    return world.markers()


def client_as(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def call(client, method: str, url: str, data=None):
    """(status, body, location); an exception in the view counts as a 500 with its message."""
    try:
        response = getattr(client, method)(url, data or {})
    except Exception as error:  # noqa: BLE001 - the matrix reports it with the route
        return 500, f"{type(error).__name__}: {error}", ""
    body = b"".join(response) if response.streaming else response.content
    return response.status_code, body.decode(errors="replace"), response.get("Location", "")


def post_data(client, url: str) -> dict:
    """What the page's own form would post (taken from the entitled person's GET), so a POST
    that is refused is refused for the right reason, not for missing fields."""
    try:
        response = client.get(url)
    except Exception:  # noqa: BLE001 - the entitled test reports it
        return {}
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return {}
    data = {}
    for form in page_forms(response):
        if form["action"] in (None, "", url):
            data.update(form["fields"])
            if form["buttons"]:
                data.setdefault(*form["buttons"][0])
    return data


def _login_redirect(status: int, location: str) -> bool:
    return status == 302 and location.startswith(resolve_url(settings.LOGIN_URL))


@pytest.mark.parametrize("actor", list(ACTORS))
def test_site_routes_isolate_tenants(actor, iso_world):
    world = iso_world
    routes = site_routes()
    user = ACTORS[actor](world)
    client = client_as(user)
    markers = forbidden_markers(actor, world)
    entitled_clients = {scope: client_as(ACTORS[a](world)) for scope, a in ENTITLED.items()}
    # The POST bodies first: the entitled people's GETs may write (a stock fleet made on first
    # use), which must not be blamed on the actor under test.
    bodies = {
        route.name: post_data(entitled_clients[route.scope], url_for(route, world))
        for route in routes
        if route.scope
    }
    wrong, requests = [], 0
    state = db_snapshot()  # taken again after each request, compared with the last

    for method in ("get", "post"):  # every GET first: the entitled person's POSTs change things
        for route in routes:
            url = url_for(route, world)
            scope = route.scope
            entitled = actor != "anonymous" and (not scope or ENTITLED[scope] == actor)
            data = bodies.get(route.name) if method == "post" else None
            if state is None:  # the entitled actor's last request may have written
                state = db_snapshot()
            status, body, location = call(client, method, url, data)
            requests += 1
            where = f"{route.name} {method.upper()} {url} as {actor}: {status}"
            if status >= 500:
                wrong.append(f"{where} (server error) {body[:300]}")
                state = None
                continue
            if entitled:
                state = None
                if scope:  # the owner of the data; nothing more to say than "no crash"
                    continue
            elif actor == "anonymous":
                if not (_login_redirect(status, location) or status == 405):
                    wrong.append(f"{where}, expected a redirect to the login page")
            elif status not in (404, 405):  # 405: refused on the method, before any lookup
                wrong.append(f"{where}, expected 404")
            if not entitled:
                after = db_snapshot()
                changed = snapshot_diff(state, after)
                if changed:
                    wrong.append(f"{where} changed {', '.join(changed)}")
                state = after
            # The page may echo the address asked for (the language switch's `next`).
            shown = body.replace(url, "")
            leaked = [marker for marker in markers if marker in shown]
            if leaked:
                wrong.append(f"{where} shows {leaked}")

    figures.add("isolation.requests", requests)
    if actor == "garage_a_staff":
        figures.add("isolation.url_patterns", len(routes))
    figures.add("isolation.leaks", len(wrong))
    assert not wrong, f"{len(wrong)} wrong answers:\n" + "\n".join(wrong)


# --- GMS API -----------------------------------------------------------------------------------


def api_call(method: str, path: str, token: str | None, body=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    client = Client()
    if method == "get":
        return client.get(path, headers=headers)
    if path.endswith("/photos"):  # multipart: a real photo, so only the tenant check refuses
        return client.post(path, body or {}, headers=headers)
    return client.post(
        path, json.dumps(body or {}), content_type="application/json", headers=headers
    )


def api_operations() -> list[tuple[str, str]]:
    """(method, path template) of every operation in the published contract."""
    schema = api.get_openapi_schema()
    return [
        (method, path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("get", "post")
    ]


def test_api_operations_with_another_garages_token_never_reach_garage_a(iso_world):
    world = iso_world
    plate = world.car.plate
    bodies = {
        "/api/v1/passports": {"plate": plate, "owner": {"email": "gms-b@example.nl"}},
        "/api/v1/passports/bulk": {
            "items": [{"plate": plate, "owner": {"email": "gms-b@example.nl"}}]
        },
        "/api/v1/passports/{plate}/history": {
            "date": "2024-01-10",
            "odometer_km": 90_000,
            "kind": "repair",
            "description": "Door garage B",
        },
    }
    bodies["/api/v1/passports/{plate}/checks/{check_id}/photos"] = {
        "kind": "sides",
        "photos": [upload(jpeg_bytes())],
    }
    wrong, operations = [], api_operations()
    assert operations, "no operations in the API schema"
    for method, template in operations:
        path = template.replace("{plate}", plate).replace("{check_id}", str(world.check.pk))
        before = db_snapshot(ignore={"garage.ApiToken": ("last_used_at",)})
        response = api_call(method, path, world.other_token_raw, bodies.get(template))
        body = response.content.decode()
        where = f"{method.upper()} {path} with garage B's token: {response.status_code}"
        if "{plate}" in template:
            expected = {404}
        elif method == "post":
            # Plates are unique across garages, so the contract answers a taken plate with 409
            # (the plate is on the car for anyone to read); nothing of the passport comes back.
            expected = {200, 409}
        else:
            expected = {200}  # the list: garage B's own passports only
        if response.status_code not in expected:
            wrong.append(f"{where}, expected {sorted(expected)}")
        if template == "/api/v1/passports/bulk" and response.status_code == 200:
            statuses = [result["status"] for result in response.json()["results"]]
            if statuses != [409]:
                wrong.append(f"{where}: bulk item answered {statuses}, expected [409]")
        for marker in (world.owner_x.email, world.garage.email, world.garage.name):
            if marker in body:
                wrong.append(f"{where} shows {marker!r}")
        if method == "get" and "{plate}" not in template and plate in body:
            wrong.append(f"{where} lists garage A's {plate}")
        changed = snapshot_diff(before, db_snapshot(ignore={"garage.ApiToken": ("last_used_at",)}))
        if changed:
            wrong.append(f"{where} changed {', '.join(changed)}")
    figures.add("isolation.requests", len(operations))
    figures.add("isolation.api_operations", len(operations))
    figures.add("isolation.leaks", len(wrong))
    assert not wrong, "\n".join(wrong)


def test_every_api_route_needs_a_token(iso_world):
    """Without a token, every API route (also the slash variants left out of the schema) is a
    401 in the contract's shape, for GET and POST alike."""
    routes = [
        route for route in all_routes() if route.namespace == "api" and route.name not in PUBLIC
    ]
    wrong, requests = [], 0
    for route in routes:
        path = "/" + route.pattern.replace("<plate>", iso_world.car.plate)
        for method in ("get", "post"):
            before = db_snapshot()
            response = api_call(method, path, None, {})
            requests += 1
            # 405: the route has no operation for that method (ninja answers before auth).
            if response.status_code not in (401, 405):
                wrong.append(f"{method.upper()} {path}: {response.status_code}, expected 401")
            elif response.status_code == 401 and response.json()["error"]["code"] != (
                "unauthorized"
            ):
                wrong.append(f"{method.upper()} {path}: 401 not in the contract's shape")
            if snapshot_diff(before, db_snapshot()):
                wrong.append(f"{method.upper()} {path} without a token changed the database")
    assert len(routes) >= len(api_operations())
    figures.add("isolation.requests", requests)
    figures.add("isolation.leaks", len(wrong))
    assert not wrong, "\n".join(wrong)


# --- Admin -------------------------------------------------------------------------------------


def admin_urls(world) -> list[tuple[str, str, str]]:
    """(url, model label, action) for every registered model's changelist, add and change page
    (the change page of its first row), plus the support actions with their own URLs."""
    urls = []
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        label = model._meta.label
        urls.append((reverse("admin:{}_{}_changelist".format(*info)), label, "view"))
        urls.append((reverse("admin:{}_{}_add".format(*info)), label, "add"))
        first = model.objects.order_by("pk").first()
        if first is not None:
            urls.append(
                (reverse("admin:{}_{}_change".format(*info), args=[first.pk]), label, "view")
            )
    urls.append(
        (
            reverse("admin:transfers_transfer_correct_email", args=[world.transfer.pk]),
            "transfers.Transfer",
            "correct_transfer_email",
        )
    )
    return urls


def test_admin_is_closed_to_everyone_but_staff(iso_world):
    world = iso_world
    urls = admin_urls(world)
    login = reverse("admin:login")
    wrong, requests = [], 0
    outsiders = {
        "garage_a_staff": world.garage_admin,
        "owner_x": world.owner_x,
        "fleet_manager_a": world.fleet_manager,
        "anonymous": None,
    }
    clients = {actor: client_as(user) for actor, user in outsiders.items()}  # logins write
    state = db_snapshot()
    for actor, client in clients.items():
        for url, _label, _action in urls:
            for method in ("get", "post"):
                status, _body, location = call(client, method, url)
                requests += 1
                if not (status == 302 and location.startswith(login)):
                    wrong.append(f"{method.upper()} {url} as {actor}: {status}, expected login")
                after = db_snapshot()
                if snapshot_diff(state, after):
                    wrong.append(f"{method.upper()} {url} as {actor} changed the database")
                state = after
    figures.add("isolation.admin_urls", len(urls))
    figures.add("isolation.requests", requests)
    figures.add("isolation.leaks", len(wrong))
    assert not wrong, "\n".join(wrong)


def _support_may(user, label: str, action: str) -> bool:
    app_label, model_name = label.lower().split(".")
    if action == "view":
        return user.has_perm(f"{app_label}.view_{model_name}") or user.has_perm(
            f"{app_label}.change_{model_name}"
        )
    if action == "add":
        return user.has_perm(f"{app_label}.add_{model_name}")
    return user.has_perm(f"{app_label}.{action}")


def test_support_gets_403_on_what_its_group_does_not_allow(iso_world):
    support = UserFactory(full_name="Support Medewerker", is_staff=True)
    support.groups.add(Group.objects.get(name="support"))
    support = User.objects.get(pk=support.pk)  # a fresh permission cache
    client = client_as(support)
    wrong, requests, refused = [], 0, 0
    for url, label, action in admin_urls(iso_world):
        if _support_may(support, label, action):
            status, body, _location = call(client, "get", url)
            requests += 1
            if status >= 500:
                wrong.append(f"GET {url} as support: {status} {body[:300]}")
            continue
        refused += 1
        for method in ("get", "post"):
            before = db_snapshot()
            status, _body, _location = call(client, method, url)
            requests += 1
            if status != 403:
                wrong.append(f"{method.upper()} {url} as support: {status}, expected 403")
            if snapshot_diff(before, db_snapshot()):
                wrong.append(f"{method.upper()} {url} as support changed the database")
    assert refused, "support may do everything in the admin?"
    figures.add("isolation.requests", requests)
    figures.add("isolation.leaks", len(wrong))
    assert not wrong, "\n".join(wrong)


def test_support_cannot_add_users_or_grant_rights(iso_world):
    support = UserFactory(full_name="Support Medewerker", is_staff=True)
    support.groups.add(Group.objects.get(name="support"))
    client = client_as(support)
    customer = iso_world.owner_x
    superuser_group = Group.objects.create(name="beheerders")

    assert client.get(reverse("admin:accounts_user_add")).status_code == 403
    # The change form shows the rights read-only; posting them anyway changes nothing.
    change = reverse("admin:accounts_user_change", args=[customer.pk])
    response = client.post(
        change,
        {
            "email": customer.email,
            "full_name": customer.full_name,
            "language": customer.language,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [superuser_group.pk],
        },
    )
    assert response.status_code in (200, 302), response.status_code
    customer.refresh_from_db()
    assert not customer.is_staff
    assert not customer.is_superuser
    assert not customer.groups.exists()
    # Nor for itself, nor for another admin-site user (whose email or password would be a way in).
    support_self = reverse("admin:accounts_user_change", args=[support.pk])
    client.post(support_self, {"email": support.email, "is_superuser": "on"})
    support.refresh_from_db()
    assert not support.is_superuser
    other_admin = UserFactory(is_staff=True)
    assert client.get(reverse("admin:accounts_user_change", args=[other_admin.pk])).status_code in (
        200,  # shown read-only
        403,
    )
    before = db_snapshot()
    response = client.post(
        reverse("admin:accounts_user_change", args=[other_admin.pk]),
        {"email": "overgenomen@example.nl", "full_name": "X", "language": "nl"},
    )
    assert response.status_code == 403
    assert not snapshot_diff(before, db_snapshot())
    password = reverse("admin:auth_user_password_change", args=[other_admin.pk])
    assert client.get(password).status_code == 403
    for url in (reverse("admin:auth_group_changelist"), reverse("admin:auth_group_add")):
        assert client.get(url).status_code == 403
    figures.add("isolation.requests", 8)
