"""Pages with a person's data or a one-time secret are never kept by a cache, tokens leave the
address bar after the first GET, and a new API token is never stored in clear on our side."""

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse

from garage.models import ApiToken
from tests.autopaspoort.factories import PassportFactory
from tests.helpers import set_password_path
from tests.transfers.factories import activation_path, transfer

pytestmark = pytest.mark.django_db


def no_store(response) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


@pytest.fixture
def activation_link(garage, garage_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        transfer(PassportFactory(garage=garage), "koper@example.nl", actor=garage_admin)
    return activation_path(mail.outbox[-1].body)


def test_the_activation_link_moves_its_token_out_of_the_address_and_is_never_cached(
    activation_link,
):
    browser = Client()
    token = activation_link.rstrip("/").rsplit("/", 1)[1]

    first = browser.get(activation_link)

    assert first.status_code == 302
    assert token not in first["Location"]
    assert no_store(first)
    form = browser.get(first["Location"])
    assert form.status_code == 200
    assert form.templates[0].name == "portal/activation_set_password.html"
    assert token not in form.content.decode()
    assert no_store(form)
    done = browser.post(
        first["Location"],
        {"new_password1": "Zomer-Fiets-2031", "new_password2": "Zomer-Fiets-2031"},
    )
    assert done.status_code == 302
    assert "_auth_user_id" in browser.session
    assert no_store(done)


def test_the_password_set_link_page_is_never_cached(owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("accounts:password_reset"), {"email": owner.email})
    browser = Client()
    first = browser.get(set_password_path(mail.outbox[-1]))
    form = browser.get(first["Location"])
    assert form.status_code == 200
    assert no_store(first)
    assert no_store(form)


@pytest.mark.parametrize(
    "name", ["home", "portal:home", "accounts:password_change", "garage:dashboard"]
)
def test_pages_of_a_logged_in_person_are_never_cached(name, client_for, garage, garage_admin):
    kwargs = {"garage_id": garage.pk} if name.startswith("garage:") else {}
    response = client_for(garage_admin).get(reverse(name, kwargs=kwargs))
    assert response.status_code in (200, 302)
    assert no_store(response)


def test_a_new_api_token_is_shown_once_and_never_kept_in_the_session(
    client_for, garage, garage_admin
):
    client = client_for(garage_admin)
    url = reverse("garage:api_tokens", kwargs={"garage_id": garage.pk})

    response = client.post(url, {"name": "GMS"}, follow=True)

    token = ApiToken.objects.get()
    raw = next(
        word
        for word in response.content.decode().replace("<", " ").replace(">", " ").split()
        if word.startswith(token.prefix)
    )
    assert len(raw) > len(token.prefix)
    assert no_store(response)
    # Nothing on our side keeps it in clear: no session holds it ...
    for session in Session.objects.all():
        assert raw not in str(session.get_decoded())
    # ... and the page opened again does not show it.
    assert raw not in client.get(url).content.decode()
