"""History stays with the car, personal data stays with the person (docs/product.md rule 7; issue 9,
item 8).

A car changes hands (to a new account, to an existing one, back to an earlier owner, on to a
third) and the new owner walks every portal page they can reach, following every link on the
site, and reads every email they get (text and HTML). None of it may carry an earlier owner's
name, address, email or phone: the fixtures give each person distinctive marker strings, so a
leak shows up by plain search. The same for the manager of a fleet the car later joins.
"""

import re
from collections import deque
from dataclasses import dataclass
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import resolve, reverse

from accounts.models import User
from autopaspoort.models import Passport
from core.phones import format_phone, normalize_phone
from fleet.services import driver_update
from garage.services import api_token_create
from tests import figures
from tests.accounts.factories import UserFactory
from tests.api.conftest import clear_rate_keys
from tests.appointments.factories import ask, form_data
from tests.autopaspoort.factories import (
    Component,
    HistoryEntryFactory,
    PassportFactory,
    Rating,
    item,
    record_check,
)
from tests.fleet.factories import FleetFactory, fleet_car, link, manager_of
from tests.reminders.factories import days_from_today, run_job
from tests.transfers.factories import (
    EN,
    NEW_PASSWORD,
    activation_path,
    message_texts,
    messages_to,
    submit,
    transfer,
)
from transfers.services import OwnerContact, transfer_confirm

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Person:
    """Someone who owns the car for a while, with strings nobody else may ever be shown."""

    email: str
    name: str
    street: str
    house_number: str
    postcode: str
    city: str
    phone: str

    def contact(self) -> dict:
        return {
            "name": self.name,
            "street": self.street,
            "house_number": self.house_number,
            "postcode": self.postcode,
            "city": self.city,
            "phone": self.phone,
        }

    def markers(self) -> list[str]:
        surname = self.name.split()[-1]
        return [
            surname,
            self.email,
            self.email.split("@")[0],
            f"{self.street} {self.house_number}",
            self.street,
            self.postcode,
            self.city,
            # the phone as typed, as stored and as shown
            self.phone,
            normalize_phone(self.phone),
            format_phone(normalize_phone(self.phone)),
        ]


PIETERSEN = Person(
    email="pietersen.vorige@example.nl",
    name="Vorige Eigenaar Pietersen",
    street="Geheimstraat",
    house_number="13",
    postcode="9999 ZZ",
    city="Geheimdorp",
    phone="0612345678",
)
JANSEN = Person(
    email="jansen.tussen@example.nl",
    name="Tussen Eigenaar Jansen",
    street="Verborgenlaan",
    house_number="7",
    postcode="8888 YY",
    city="Stiltedorp",
    phone="0623456789",
)
DE_VRIES = Person(
    email="devries.derde@example.nl",
    name="Derde Koper Devries",
    street="Nieuwweg",
    house_number="1",
    postcode="7777 XX",
    city="Nieuwstad",
    phone="0687654321",
)

# Where a walk does not go: leaving the site, logging out, switching language, the admin.
NOT_WALKED = ("/accounts/logout/", "/i18n/", "/admin/", "/static/", "/afmelden/")
MAX_PAGES = 80
LINK = re.compile(r"""(?:href|hx-get|action)\s*=\s*["']([^"']+)["']""")


def leaks_in(text: str, people: list[Person], where: str) -> list[str]:
    return [
        f"{where} shows {marker!r} of {person.name}"
        for person in people
        for marker in person.markers()
        if marker in text
    ]


def page_kind(url: str):
    """One visit per page, not per catalogue entry or filter: the 40 warning lights (and the
    `?lampje=` variants of the request form) show catalogue text, the same for everyone."""
    match = resolve(urlsplit(url).path)
    return match.view_name, tuple(sorted((k, v) for k, v in match.kwargs.items() if k != "code"))


def walk(client, start: list[str], people: list[Person], who: str) -> list[str]:
    """GET every page reachable from `start` by links (and htmx fragments, and GET forms) that
    stay on the site; every body is searched for the people's markers."""
    seen, queue, found = set(), deque(start), []
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if page_kind(url) in seen:
            continue
        seen.add(page_kind(url))
        response = client.get(url, **EN)
        assert response.status_code < 500, f"{url} as {who}: {response.status_code}"
        body = (
            b"".join(response.streaming_content) if response.streaming else response.content
        ).decode(errors="replace")
        figures.add("privacy.pages_checked")
        found += leaks_in(body, people, f"{url} (as {who})")
        if response.status_code in (301, 302) and response.get("Location", "").startswith("/"):
            queue.append(response["Location"])
        if "html" not in response.get("Content-Type", ""):
            continue
        for raw in LINK.findall(body):
            target = urlsplit(unescape(raw))
            if target.scheme or target.netloc or not target.path.startswith("/"):
                continue
            if target.path.startswith(NOT_WALKED):
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
    assert len(seen) > 1, f"the walk as {who} found no links from {start}"
    return found


def emails_leaks(address: str, people: list[Person], since: int = 0) -> list[str]:
    found = []
    for message in messages_to(mail.outbox[since:], address):
        figures.add("privacy.emails_checked")
        found += leaks_in(message_texts(message), people, f"email {message.subject!r} to {address}")
    return found


def portal_start(plate: str) -> list[str]:
    return [
        reverse("portal:home"),
        reverse("portal:car", kwargs={"plate": plate}),
        reverse("portal:appointment_request", kwargs={"plate": plate}),
        reverse("portal:appointment_state", kwargs={"plate": plate}),
        reverse("portal:lights"),
        reverse("portal:settings"),
        reverse("home"),
    ]


def hand_over(passport, person: Person, capture, *, actor=None, via=None) -> Client:
    """The garage (or `actor`, e.g. a fleet manager) transfers the car to `person`, who then
    activates the new account from the emailed link or accepts the car in the portal. Returns
    that person's logged-in browser."""
    outbox_before = len(mail.outbox)
    existing = User.objects.filter(email=person.email, is_active=True).first()
    with capture(execute=True):
        if via is None:
            record = transfer(passport, person.email, actor=actor, **person.contact())
        else:
            record = transfer_confirm(
                passport=passport,
                contact=OwnerContact(email=person.email, **person.contact()),
                actor=actor,
                via=via,
            ).transfer
    client = Client()
    if existing is not None:
        client.force_login(existing)
        response = client.post(reverse("portal:accept", kwargs={"plate": passport.plate}))
        assert response.status_code == 302, response
    else:
        (email,) = messages_to(mail.outbox[outbox_before:], person.email)
        path = activation_path(email.body)
        page = client.get(path, follow=True, **EN)  # the token leaves the URL
        assert page.status_code == 200
        client.activation_page = page.content.decode()  # read by check_new_owner
        response = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
        assert response.status_code == 302, response.content.decode()
    record.refresh_from_db()
    assert record.state == "completed", record.state
    passport.refresh_from_db()
    return client


def lived_with(passport, person: Person, capture) -> None:
    """What an owner leaves behind: an appointment request whose note carries their details,
    and the garage's work while they had the car."""
    owner = User.objects.get(email=person.email)
    with capture(execute=True):
        ask(passport, owner=owner, note=f"Bel {person.name} op {person.phone}, {person.street}")
    record_check(passport, items=[item(Component.WIPERS, Rating.SOON, "80.00")])
    HistoryEntryFactory(passport=passport, description="Distributieriem vervangen")


@pytest.fixture
def sold_car(garage, django_capture_on_commit_callbacks):
    """A stock car of garage A, with a check and history, first sold to Pietersen, who had it
    serviced and asked for an appointment."""
    passport = PassportFactory(garage=garage, apk_expires=days_from_today(30))
    record_check(passport, items=[item(Component.BRAKES_FRONT, Rating.NOW, "120.00")])
    hand_over(passport, PIETERSEN, django_capture_on_commit_callbacks)
    lived_with(passport, PIETERSEN, django_capture_on_commit_callbacks)
    return passport


def check_new_owner(client, passport, person, earlier, capture, since) -> list[str]:
    """Walk the portal as the new owner, then run the reminder job (a reminder is due) and
    read every email they got since the hand-over began."""
    found = walk(client, portal_start(passport.plate), earlier, person.name)
    if hasattr(client, "activation_page"):
        figures.add("privacy.pages_checked")
        found += leaks_in(client.activation_page, earlier, f"the activation page of {person.name}")
    run_job(capture)
    found += emails_leaks(person.email, earlier, since)
    return found


def _finish(found: list[str]) -> None:
    figures.add("privacy.leaks", len(found))
    assert not found, "\n".join(found)


def test_a_new_account_sees_nothing_of_the_previous_owner(
    sold_car, django_capture_on_commit_callbacks
):
    since = len(mail.outbox)
    client = hand_over(sold_car, JANSEN, django_capture_on_commit_callbacks)
    found = check_new_owner(
        client, sold_car, JANSEN, [PIETERSEN], django_capture_on_commit_callbacks, since
    )
    # The other way round too: the seller's receipt says nothing about the buyer.
    found += emails_leaks(PIETERSEN.email, [JANSEN], since)
    _finish(found)


def test_an_existing_account_sees_nothing_of_the_previous_owner(
    sold_car, django_capture_on_commit_callbacks
):
    UserFactory(email=JANSEN.email, full_name=JANSEN.name)
    since = len(mail.outbox)
    client = hand_over(sold_car, JANSEN, django_capture_on_commit_callbacks)
    _finish(
        check_new_owner(
            client, sold_car, JANSEN, [PIETERSEN], django_capture_on_commit_callbacks, since
        )
    )


def test_back_to_an_earlier_owner_shows_nothing_of_the_owner_between(
    sold_car, django_capture_on_commit_callbacks
):
    """Pietersen -> Jansen -> Pietersen: Pietersen sees her own details, never Jansen's."""
    capture = django_capture_on_commit_callbacks
    hand_over(sold_car, JANSEN, capture)
    lived_with(sold_car, JANSEN, capture)
    since = len(mail.outbox)
    client = hand_over(sold_car, PIETERSEN, capture)
    _finish(check_new_owner(client, sold_car, PIETERSEN, [JANSEN], capture, since))


def test_a_third_owner_sees_neither_earlier_owner(sold_car, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    hand_over(sold_car, JANSEN, capture)
    lived_with(sold_car, JANSEN, capture)
    since = len(mail.outbox)
    client = hand_over(sold_car, DE_VRIES, capture)
    _finish(check_new_owner(client, sold_car, DE_VRIES, [PIETERSEN, JANSEN], capture, since))


def fleet_start(fleet, plate: str) -> list[str]:
    kwargs = {"fleet_id": fleet.pk, "plate": plate}
    return [
        reverse("fleet:dashboard", kwargs={"fleet_id": fleet.pk}),
        reverse("fleet:export", kwargs={"fleet_id": fleet.pk}),
        reverse("fleet:car", kwargs=kwargs),
        reverse("fleet:driver", kwargs=kwargs),
        reverse("fleet:transfer", kwargs=kwargs),
    ]


def test_the_new_owners_fleet_manager_sees_nothing_of_the_previous_owner(
    garage, sold_car, django_capture_on_commit_callbacks
):
    """Pietersen sells to a company (Jansen's); the garage links the car into the company's
    fleet. Its manager sees the car, never Pietersen."""
    capture = django_capture_on_commit_callbacks
    hand_over(sold_car, JANSEN, capture)
    fleet = FleetFactory(garages=[garage], name="Jansen Transport BV")
    manager = manager_of(fleet, full_name="Wagenparkbeheerder Jansen Transport")
    since = len(mail.outbox)
    link(sold_car, fleet)
    client = Client()
    client.force_login(manager)
    found = walk(client, fleet_start(fleet, sold_car.plate), [PIETERSEN], "fleet manager")
    found += emails_leaks(manager.email, [PIETERSEN], since)
    _finish(found)


def test_a_car_leaving_a_fleet_takes_nothing_of_the_fleet_or_its_driver_along(
    garage, django_capture_on_commit_callbacks
):
    """A lease car with a driver leaves its fleet for a private buyer, and later joins another
    fleet: neither the buyer nor the next fleet's manager sees the old driver or the old fleet's
    manager."""
    capture = django_capture_on_commit_callbacks
    old_fleet = FleetFactory(garages=[garage], name="Geheim Leasing BV")
    old_manager = manager_of(
        old_fleet, email=PIETERSEN.email, full_name=PIETERSEN.name
    )  # the previous "owner" here is the fleet, run by Pietersen
    passport = fleet_car(old_fleet, garage=garage, apk_expires=days_from_today(30))
    driver_update(
        passport=passport,
        actor=old_manager,
        name="Bestuurder Geheimhouder",
        email="bestuurder.geheim@example.nl",
        phone="0611112222",
    )
    passport.refresh_from_db()
    record_check(passport, items=[item(Component.WIPERS, Rating.SOON, "30.00")])
    driver = Person(
        email="bestuurder.geheim@example.nl",
        name="Bestuurder Geheimhouder",
        street="Geheimstraat",
        house_number="13",
        postcode="9999 ZZ",
        city="Geheimdorp",
        phone="0611112222",
    )
    fleet_itself = Person(
        email=old_fleet.email,
        name="Geheim Leasing",
        street="Geheimstraat",
        house_number="13",
        postcode="9999 ZZ",
        city="Geheimdorp",
        phone="0611112222",
    )
    old = [PIETERSEN, driver, fleet_itself]

    since = len(mail.outbox)
    client = hand_over(passport, JANSEN, capture, actor=old_manager, via="fleet")
    found = check_new_owner(client, passport, JANSEN, old, capture, since)

    new_fleet = FleetFactory(garages=[garage], name="Nieuw Wagenpark BV")
    new_manager = manager_of(new_fleet, full_name="Nieuwe Beheerder")
    link(passport, new_fleet)
    manager_client = Client()
    manager_client.force_login(new_manager)
    found += walk(manager_client, fleet_start(new_fleet, passport.plate), old, "next fleet")
    assert Passport.objects.get(pk=passport.pk).fleet_id == new_fleet.pk
    _finish(found)


def test_a_previous_owners_open_request_neither_blocks_nor_shows(
    sold_car, django_capture_on_commit_callbacks
):
    """Found by the walks above: Pietersen's open appointment request stayed open after the
    sale, so the new owner was told "you have already asked" (about a request they never made)
    and could never ask, while the garage no longer listed it to answer."""
    capture = django_capture_on_commit_callbacks
    client = hand_over(sold_car, JANSEN, capture)
    url = reverse("portal:appointment_request", kwargs={"plate": sold_car.plate})
    with capture(execute=True):
        response = client.post(url, form_data(note="Graag in de ochtend"), **EN)
    assert response.status_code == 302, response.content.decode()
    jansen = User.objects.get(email=JANSEN.email)
    states = dict(sold_car.appointments.values_list("owner__email", "state"))
    assert states == {PIETERSEN.email: "cancelled", JANSEN.email: "requested"}
    assert sold_car.appointments.get(owner=jansen).note == "Graag in de ochtend"


def test_the_garages_gms_sees_no_owner_once_the_sale_is_done(
    garage, sold_car, django_capture_on_commit_callbacks
):
    """The GMS sees an owner's email only while the car is stock or its transfer awaits
    activation (`api.passports.represent`): after the sale, neither the seller nor the
    buyer."""
    hand_over(sold_car, JANSEN, django_capture_on_commit_callbacks)
    token, raw = api_token_create(garage=garage, actor=garage.account_user, name="GMS")
    clear_rate_keys(token)
    client, found = Client(), []
    for path in (f"/api/v1/passports/{sold_car.plate}", "/api/v1/passports"):
        response = client.get(path, headers={"Authorization": f"Bearer {raw}"})
        assert response.status_code == 200, response.content
        assert sold_car.plate in response.content.decode()
        figures.add("privacy.pages_checked")
        found += leaks_in(response.content.decode(), [PIETERSEN, JANSEN], f"GMS {path}")
    clear_rate_keys(token)
    _finish(found)


def test_a_buyer_typed_over_the_sellers_details_gets_nothing_of_the_seller(
    garage, garage_admin, django_capture_on_commit_callbacks
):
    """Issue 14, item 3: the transfer form for Pietersen's car was pre-filled with Pietersen's
    details; the garage typed only Jansen's name, email, postcode and city, so Jansen got
    Pietersen's street and phone (on the owner details page, and in Jansen's appointment
    request as the garage saw it). The form starts empty, and nothing of the seller reaches the
    buyer's record, pages or emails."""
    capture = django_capture_on_commit_callbacks
    passport = PassportFactory(garage=garage, apk_expires=days_from_today(30))
    hand_over(passport, PIETERSEN, capture)
    garage_client = Client()
    garage_client.force_login(garage_admin)
    url = reverse("transfers:start", kwargs={"garage_id": garage.pk, "plate": passport.plate})
    since = len(mail.outbox)

    form_page = garage_client.get(url, **EN)
    found = leaks_in(form_page.content.decode(), [PIETERSEN], "the empty transfer form")
    typed = {
        "name": JANSEN.name,
        "email": JANSEN.email,
        "postcode": JANSEN.postcode,
        "city": JANSEN.city,
    }
    with capture(execute=True):
        confirm = garage_client.post(
            url, submit(form_page, button=("step", "details"), changes=typed), **EN
        )
        done = garage_client.post(url, submit(confirm, button=("step", "confirm")), **EN)
    assert done.status_code == 302, done.content.decode()

    # Jansen activates from the emailed link and asks the garage for an appointment.
    (email,) = messages_to(mail.outbox[since:], JANSEN.email)
    client = Client()
    path = activation_path(email.body)
    client.get(path, **EN)
    response = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302, response.content.decode()
    with capture(execute=True):
        response = client.post(
            reverse("portal:appointment_request", kwargs={"plate": passport.plate}),
            form_data(),
            **EN,
        )
    assert response.status_code == 302, response.content.decode()

    # The new owner's record: the passport's owner profile, the transfer (its values; the
    # previous owner is a link only support follows), the account.
    passport.refresh_from_db()
    jansen = User.objects.get(email=JANSEN.email)
    record = passport.transfers.get(new_owner=jansen)
    record_text = " | ".join(
        [
            *(str(getattr(passport, field.attname)) for field in Passport._meta.fields),
            *(str(getattr(record, field.attname)) for field in record._meta.fields),
            jansen.email,
            jansen.full_name,
        ]
    )
    found += leaks_in(record_text, [PIETERSEN], "the new owner's record")
    # The portal and every email Jansen gets.
    found += check_new_owner(client, passport, JANSEN, [PIETERSEN], capture, since)
    # The garage's view of Jansen: profile, owner details, the appointment request (page, list
    # and the email the garage gets).
    appointment = passport.appointments.get(owner=jansen)
    for page in (
        passport.get_absolute_url(),
        reverse("autopaspoort:details", kwargs={"garage_id": garage.pk, "plate": passport.plate}),
        reverse(
            "appointments:garage_detail",
            kwargs={"garage_id": garage.pk, "appointment_id": appointment.pk},
        ),
        reverse("appointments:garage_list", kwargs={"garage_id": garage.pk}),
    ):
        response = garage_client.get(page, **EN)
        assert response.status_code == 200, page
        assert JANSEN.name in response.content.decode(), page
        found += leaks_in(response.content.decode(), [PIETERSEN], f"{page} (as the garage)")
    found += emails_leaks(garage.email, [PIETERSEN], since)
    _finish(found)
