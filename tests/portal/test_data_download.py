"""AVG: an owner downloads their data (/mijn/gegevens/): a ZIP with gegevens.json and each
accepted car's passport PDF, after their password, recorded; never another person's data."""

import io
import json
import zipfile

import pytest
from django.urls import reverse
from django.utils import translation
from pytest_django.asserts import assertContains

from accounts.models import PrivacyEvent
from appointments.models import Appointment
from autopaspoort.models import StatusCheckItem
from autopaspoort.services import garage_move_request
from fleet.services import fleet_link_request
from notifications.models import EmailOptOut
from reminders.models import ReminderSent
from sharing.models import PassportDocument
from sharing.services import share_link_create
from tests.accounts.factories import PASSWORD, UserFactory
from tests.appointments.factories import ask
from tests.autopaspoort.factories import (
    Component,
    HistoryEntryFactory,
    PassportFactory,
    Rating,
    item,
    record_check,
)
from tests.fleet.factories import FleetFactory, manager_of
from tests.transfers.factories import EN, contact, customer_passport, transfer
from transfers.services import transfer_accept, transfer_confirm

pytestmark = pytest.mark.django_db

DOWNLOAD = reverse("portal:data_download")
SELLER = {"full_name": "Vorige Verkoper", "email": "vorige.verkoper@example.nl"}
OTHER = {"full_name": "Andere Eigenaar", "email": "andere.eigenaar@example.nl"}
BUYER = "koper.van.haar@example.nl"
DRIVER = "Bestuurder Bram"
MECHANIC = "Monteur Mustafa"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def her(db):
    return UserFactory(email="hanna.hendriks@example.nl", full_name="Hanna Hendriks")


@pytest.fixture
def cars(garage, other_garage, her, mechanic, django_capture_on_commit_callbacks):
    """Her car bought from a private seller (with a check, history and a planned repair),
    a car waiting for her to accept it, a car she is selling, and another owner's car."""
    mechanic.full_name = MECHANIC
    mechanic.save(update_fields=["full_name"])
    seller = UserFactory(**SELLER)
    bought = customer_passport(garage, seller, owner_phone="+31655501234")
    record_check(
        bought,
        actor=mechanic,
        odometer_km=(bought.odometer_km or 0) + 500,
        notes="Interne notitie voor de garage",
        items=[
            item(Component.BRAKES_FRONT, Rating.NOW, "180.00", note="Schijven dun"),
            item(Component.TYRES_REAR, Rating.SOON, "240.00"),
        ],
    )
    # Planned before delivery while it was for sale: the garage's cost, not the owner's.
    StatusCheckItem.objects.filter(
        status_check__passport=bought, component=Component.TYRES_REAR
    ).update(fix_before_delivery=True)
    HistoryEntryFactory(passport=bought, garage=garage, description="Distributieriem vervangen")
    sale = transfer_confirm(
        passport=bought,
        contact=contact(her.email, name="Hanna Hendriks", city="Leiden", phone="0687600000"),
        actor=seller,
        via="owner",
    ).transfer
    transfer_accept(transfer=sale, user=her)
    waiting = PassportFactory(garage=garage)
    transfer(waiting, her.email, name="Hanna Hendriks")
    selling = customer_passport(garage, her)
    transfer_confirm(passport=selling, contact=contact(BUYER, name="Koper"), actor=her, via="owner")
    others = customer_passport(garage, UserFactory(**OTHER))
    # Her other data: an appointment, a reminder, an opt-out, a share link, two questions.
    bought.refresh_from_db()
    ask(bought, owner=her, note="Graag in de ochtend")
    ReminderSent.objects.create(
        passport=bought, kind="apk_6_weeks", due_key="2027-02-01", recipient=her.email
    )
    ReminderSent.objects.create(
        passport=others, kind="apk_6_weeks", due_key="2027-02-01", recipient=OTHER["email"]
    )
    EmailOptOut.objects.create(email=her.email, topic="promotions")
    share_link_create(passport=bought, actor=her, days=14, show_costs=True)
    fleet = FleetFactory(garages=[garage], name="Zakelijk Wagenpark BV")
    manager_of(fleet)
    fleet_link_request(passport=bought, fleet=fleet, actor=garage.account_user)
    garage_move_request(passport=bought, garage=other_garage, actor=other_garage.account_user)
    return {"bought": bought, "waiting": waiting, "selling": selling, "others": others}


def download(client, password=PASSWORD):
    return client.post(DOWNLOAD, {"password": password}, **EN)


def unzip(response) -> tuple[dict, dict[str, bytes]]:
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="autopaspoort-')
    assert "no-store" in response["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    files = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(files["gegevens.json"]), files


def test_the_zip_holds_every_field_she_sees(her, cars, client_for, garage, other_garage):
    bought = cars["bought"]

    data, files = unzip(download(client_for(her)))
    her.refresh_from_db()  # the test client's login stamped last_login

    assert data["format"] == "autopaspoort-export/1"
    assert data["account"] == {
        "email": "hanna.hendriks@example.nl",
        "name": "Hanna Hendriks",
        "language": her.language,
        "date_joined": her.date_joined.isoformat(),
        "last_login": her.last_login.isoformat(),
    }
    by_plate = {car["plate"]: car for car in data["cars"]}
    # The car she is selling moved to the buyer at the sale: it is under private_sales_waiting.
    assert set(by_plate) == {bought.plate, cars["waiting"].plate}
    car = by_plate[bought.plate]
    assert car["state"] == "yours"
    assert car["garage"] == garage.name
    for field in ("make", "model", "colour", "fuel", "odometer_km", "odometer_logical"):
        assert car[field] == getattr(bought, field), field
    assert car["first_admission"] == (
        bought.first_admission.isoformat() if bought.first_admission else None
    )
    assert car["apk_expires"] == (bought.apk_expires.isoformat() if bought.apk_expires else None)
    assert car["your_details"]["name"] == "Hanna Hendriks"
    assert car["your_details"]["city"] == "Leiden"
    assert car["your_details"]["phone"] == "+31687600000"
    check = car["latest_status_check"]
    assert check["expected_costs"] == "180.00"  # the planned repair is the garage's
    assert {row["item"]: row["rating"] for row in check["items"]} == {
        "Brakes front": "now",
        "Tyres rear": "repaired_before_delivery",
    }
    assert [row["estimated_cost"] for row in check["items"]] == ["180.00", None]
    kinds = [event["kind"] for event in car["history"]]
    assert "status_check" in kinds
    assert any(e.get("description") == "Distributieriem vervangen" for e in car["history"])
    assert [period["owner"] for period in car["owners"]][:2] == ["you", "previous"]
    assert by_plate[cars["waiting"].plate]["state"] == "to_accept"
    assert "history" not in by_plate[cars["waiting"].plate]  # not hers to read yet
    (sale,) = data["private_sales_waiting"]
    assert sale["plate"] == cars["selling"].plate
    (link,) = data["share_links"]
    assert (link["plate"], link["show_costs"]) == (bought.plate, True)
    (appointment,) = data["appointments"]
    assert appointment["note"] == "Graag in de ochtend"
    assert appointment["state"] == Appointment.State.REQUESTED
    assert len(appointment["preferred"]) == 2
    assert data["reminders"] == [
        {"plate": bought.plate, "kind": "apk_6_weeks", "sent_at": data["reminders"][0]["sent_at"]}
    ]
    consents = data["consents"]
    assert consents["email"] == {
        "reminders": True,
        "promotions": True,
        "check_reports": True,
        "unsubscribed_by_link": ["promotions"],
    }
    assert consents["fleet_requests"][0]["fleet"] == "Zakelijk Wagenpark BV"
    assert consents["fleet_requests"][0]["state"] == "pending"
    assert consents["garage_requests"][0]["garage"] == other_garage.name
    assert sorted(email["kind"] for email in data["emails"]) == [
        "car_added",  # the private sale to her
        "car_added",  # the garage's transfer waiting for her
        "fleet_link_request",
        "garage_move_request",
        "transfer_receipt",  # her own sale
    ]
    # One PDF per accepted car, each a verifiable document in her language.
    assert set(files) == {"gegevens.json", f"autopaspoort-{bought.plate}.pdf"}
    assert files[f"autopaspoort-{bought.plate}.pdf"].startswith(b"%PDF")
    assert PassportDocument.objects.filter(passport=bought, share_link=None).count() == 1


def test_the_zip_holds_no_other_persons_data(her, cars, client_for):
    _data, files = unzip(download(client_for(her)))
    text = files["gegevens.json"].decode()

    for stranger in (
        SELLER["full_name"],
        SELLER["email"],
        "655501234",  # the seller's phone
        OTHER["full_name"],
        OTHER["email"],
        cars["others"].plate,
        BUYER,
        "Koper",
        MECHANIC,
        "Interne notitie",  # the check's notes are the garage's
        "Beheerder A",  # the garage's login's name
    ):
        assert stranger not in text, stranger


def test_the_download_needs_her_password_and_is_recorded(her, cars, client_for):
    client = client_for(her)

    page = client.get(DOWNLOAD, **EN)
    wrong = download(client, password="not-it")

    assertContains(page, "Download (ZIP)")
    assertContains(wrong, "Your current password is incorrect.")
    assert wrong["Content-Type"].startswith("text/html")
    assert not PrivacyEvent.objects.exists()

    download(client)

    (event,) = PrivacyEvent.objects.all()
    assert (event.user, event.kind) == (her, "data_export")


def test_a_person_without_cars_gets_their_account(client_for, owner):
    data, files = unzip(download(client_for(owner)))

    assert data["account"]["email"] == owner.email
    assert data["cars"] == []
    assert set(files) == {"gegevens.json"}


def test_the_settings_page_links_both_actions(client_for, owner):
    page = client_for(owner).get(reverse("portal:settings"), **EN)

    assertContains(page, DOWNLOAD)
    assertContains(page, reverse("portal:delete_account"))
    assertContains(page, reverse("legal:privacy"))
