"""GMS tokens: made, shown once, used and revoked on the garage's settings side (admins only),
stored only as a hash; and `manage.py create_api_token` for scripts and support."""

import hashlib
import re
from io import StringIO

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from autopaspoort.models import Passport
from garage.models import ApiToken, Membership
from garage.services import api_token_create, api_token_revoke_by_support
from tests.api.conftest import Api, assert_error, stock_body
from tests.autopaspoort.factories import PassportFactory

pytestmark = pytest.mark.django_db

TOKEN_ON_PAGE = re.compile(r'<code class="token">([^<]+)</code>')
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def tokens_url(garage):
    return reverse("garage:api_tokens", kwargs={"garage_id": garage.pk})


def revoke_url(garage, token):
    return reverse("garage:api_token_revoke", kwargs={"garage_id": garage.pk, "token_id": token.pk})


def create_on_page(client, garage, name="Autodata GMS"):
    """Create a token on the settings page and read it off the page, as the admin would."""
    response = client.post(tokens_url(garage), {"name": name}, follow=True, **EN)
    assert response.status_code == 200
    shown = TOKEN_ON_PAGE.findall(response.content.decode())
    assert len(shown) == 1, response.content.decode()
    return shown[0], response


def row_of(page: str, name: str) -> str:
    rows = [row for row in re.findall(r"<tr>.*?</tr>", page, flags=re.S) if name in row]
    assert len(rows) == 1, page
    return rows[0]


# --- The settings page ------------------------------------------------------------------------


def test_an_admin_creates_a_token_that_is_shown_once_and_stored_hashed(
    client_for, garage, garage_admin
):
    client = client_for(garage_admin)

    raw, page = create_on_page(client, garage)

    token = ApiToken.objects.get()
    assert token.garage == garage
    assert token.name == "Autodata GMS"
    assert token.created_by == garage_admin
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(token.prefix)
    assert len(raw) > len(token.prefix) + 20
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert not any(raw in str(value) for value in stored.values())
    assert "Copy this token now" in page.content.decode()
    again = client.get(tokens_url(garage), **EN)
    assert again.status_code == 200
    assert raw not in again.content.decode()
    assert not TOKEN_ON_PAGE.search(again.content.decode())
    assert "Autodata GMS" in again.content.decode()


def test_a_token_made_on_the_page_works_on_the_api_and_its_last_use_is_shown(
    client_for, garage, garage_admin
):
    client = client_for(garage_admin)
    raw, page = create_on_page(client, garage)
    PassportFactory(garage=garage, plate="GJ-55-55")
    assert "—" in row_of(page.content.decode(), "Autodata GMS")
    assert ApiToken.objects.get().last_used_at is None

    before = timezone.now()
    response = Api(raw).get("/passports/GJ-55-55")

    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert token.last_used_at is not None
    assert token.last_used_at >= before
    row = row_of(client.get(tokens_url(garage), **EN).content.decode(), "Autodata GMS")
    assert "—" not in row


def test_last_used_is_written_at_most_once_a_minute(api, token_a):
    token, _raw = token_a
    with CaptureQueriesContext(connection) as first:
        api.get("/passports")
    with CaptureQueriesContext(connection) as second:
        api.get("/passports")

    updates = [q for q in first if q["sql"].startswith("UPDATE") and "api" in q["sql"].lower()]
    assert len(updates) == 1
    assert len(second) == len(first) - 1


def test_revoking_on_the_page_makes_the_token_401(client_for, garage, garage_admin):
    client = client_for(garage_admin)
    raw, _page = create_on_page(client, garage)
    assert Api(raw).get("/passports").status_code == 200
    token = ApiToken.objects.get()

    response = client.post(revoke_url(garage, token), follow=True, **EN)

    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "Revoke" not in row_of(response.content.decode(), "Autodata GMS")
    assert_error(Api(raw).get("/passports"), 401, "unauthorized")


def test_revoking_twice_keeps_the_first_revocation_time(client_for, garage, garage_admin):
    client = client_for(garage_admin)
    token, _raw = api_token_create(garage=garage, actor=garage_admin, name="GMS")
    client.post(revoke_url(garage, token))
    token.refresh_from_db()
    first = token.revoked_at

    client.post(revoke_url(garage, token))

    token.refresh_from_db()
    assert token.revoked_at == first


def test_a_mechanic_cannot_see_make_or_revoke_tokens(client_for, garage, mechanic, garage_admin):
    token, raw = api_token_create(garage=garage, actor=garage_admin, name="GMS")
    client = client_for(mechanic)

    assert client.get(tokens_url(garage)).status_code == 403
    assert client.post(tokens_url(garage), {"name": "Mine"}).status_code == 403
    assert client.post(revoke_url(garage, token)).status_code == 403
    assert ApiToken.objects.count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None
    assert Api(raw).get("/passports").status_code == 200


def test_a_mechanic_cannot_make_a_token_through_the_service(garage, mechanic):
    with pytest.raises(PermissionDenied):
        api_token_create(garage=garage, actor=mechanic, name="Mine")


def test_another_garage_gets_404_on_the_token_page_and_its_actions(
    client_for, garage, garage_admin, other_garage, other_garage_staff
):
    token, raw = api_token_create(garage=garage, actor=garage_admin, name="GMS")
    client = client_for(other_garage_staff)

    assert client.get(tokens_url(garage)).status_code == 404
    assert client.post(tokens_url(garage), {"name": "Theirs"}).status_code == 404
    assert client.post(revoke_url(garage, token)).status_code == 404
    # Not through their own garage's URL either.
    assert client.post(revoke_url(other_garage, token)).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert ApiToken.objects.count() == 1
    assert Api(raw).get("/passports").status_code == 200


def test_the_token_list_shows_only_the_garages_own_tokens(
    client_for, garage, garage_admin, other_garage, other_garage_staff
):
    api_token_create(garage=garage, actor=garage_admin, name="Ons GMS")
    api_token_create(garage=other_garage, actor=other_garage_staff, name="Hun GMS")

    page = client_for(garage_admin).get(tokens_url(garage), **EN).content.decode()

    assert "Ons GMS" in page
    assert "Hun GMS" not in page


def test_anonymous_visitors_are_sent_to_log_in(anonymous, garage):
    response = anonymous.get(tokens_url(garage))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_a_token_needs_a_name(client_for, garage, garage_admin):
    response = client_for(garage_admin).post(tokens_url(garage), {"name": ""}, **EN)

    assert response.status_code == 200
    assert not ApiToken.objects.exists()
    assert not TOKEN_ON_PAGE.search(response.content.decode())


def test_the_page_links_to_the_api_docs(client_for, garage, garage_admin):
    page = client_for(garage_admin).get(tokens_url(garage), **EN).content.decode()

    assert 'href="/api/v1/docs"' in page


# --- manage.py create_api_token ---------------------------------------------------------------


def test_the_command_prints_a_working_token_alone_on_the_last_line(garage, other_garage):
    PassportFactory(garage=garage, plate="GJ-55-55")
    PassportFactory(garage=other_garage, plate="HX-12-34")
    out = StringIO()

    call_command("create_api_token", "--garage", "GARAGE-A@example.nl", "--name", "X", stdout=out)

    last = out.getvalue().rstrip("\n").splitlines()[-1]
    assert re.fullmatch(r"ap_[A-Za-z0-9_-]{20,}", last), out.getvalue()
    token = ApiToken.objects.get()
    assert token.garage == garage
    assert token.name == "X"
    assert token.created_by is None
    assert token.token_hash == hashlib.sha256(last.encode()).hexdigest()
    client = Api(last)
    assert [row["plate"] for row in client.get("/passports").json()["results"]] == ["GJ-55-55"]
    assert client.get("/passports/HX-12-34").status_code == 404


def test_each_run_of_the_command_makes_a_new_token(garage):
    printed = []
    for _ in range(2):
        out = StringIO()
        call_command("create_api_token", "--garage", garage.email, "--name", "X", stdout=out)
        printed.append(out.getvalue().splitlines()[-1])

    assert printed[0] != printed[1]
    assert ApiToken.objects.count() == 2


def test_the_command_refuses_an_unknown_garage(garage, owner):
    for email in ("nobody@example.nl", owner.email):
        with pytest.raises(CommandError):
            call_command("create_api_token", "--garage", email, "--name", "X", stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_the_command_needs_both_arguments(garage):
    with pytest.raises(CommandError):
        call_command("create_api_token", "--garage", garage.email, stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("create_api_token", "--name", "X", stdout=StringIO())


# --- Tokens die with the garage's login (issue 14, item 7) -------------------------------------


def test_a_token_stops_working_when_the_garage_login_is_deactivated(api, garage):
    assert api.get("/passports").status_code == 200
    garage.account_user.is_active = False
    garage.account_user.save(update_fields=["is_active"])

    listing = api.get("/passports")
    creating = api.post("/passports", stock_body("GJ-55-55", garage))

    assert (listing.status_code, creating.status_code) == (401, 401)
    assert not Passport.objects.exists()


def test_a_token_stops_working_when_the_garage_login_loses_its_admin_membership(api, garage):
    Membership.objects.filter(garage=garage, user=garage.account_user).update(
        role=Membership.Role.MECHANIC
    )

    single = api.post("/passports", stock_body("GJ-55-55", garage))
    bulk = api.post("/passports/bulk", {"items": [stock_body("GJ-55-56", garage)]})

    assert (single.status_code, bulk.status_code) == (401, 401)
    assert not Passport.objects.exists()


def test_support_revokes_any_token_in_the_admin_and_it_is_logged(
    api, token_a, support_user, client_for
):
    token, _ = token_a

    response = client_for(support_user).post(
        reverse("admin:garage_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
        **EN,
    )

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    entry = LogEntry.objects.get(object_id=str(token.pk))
    assert entry.user == support_user
    assert api.get("/passports").status_code == 401


def test_revoking_as_support_is_refused_to_garage_admins_in_the_service(token_a, garage_admin):
    token, _ = token_a

    with pytest.raises(PermissionDenied):
        api_token_revoke_by_support(token=token, actor=garage_admin)
