"""AVG: an owner deletes their account (/mijn/account-verwijderen/). Their personal data is
erased everywhere, the cars' histories stay with the cars, open transfers are cancelled and a
car they still own returns to its garage as "owner left" (the garage is emailed)."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from pytest_django.asserts import assertContains, assertNotContains

from accounts.models import PrivacyEvent, User
from accounts.services import account_delete, erased_email
from appointments.models import Appointment
from autopaspoort.models import GarageMoveRequest, HistoryEntry, Passport, StatusCheck
from autopaspoort.services import garage_move_request
from fleet.models import FleetLink, FleetLinkRequest
from fleet.services import fleet_link_request
from notifications.models import EmailOptOut, Notification
from notifications.services import notification_deliver
from quotes.services import quote_decline
from reminders.models import ReminderSent
from sharing.models import ShareLink
from sharing.services import share_link_create
from tests.accounts.factories import PASSWORD, UserFactory
from tests.appointments.factories import ask
from tests.autopaspoort.factories import HistoryEntryFactory, PassportFactory, record_check
from tests.fleet.factories import FleetFactory, link, manager_of, unlink
from tests.quotes.factories import sent_quote
from tests.transfers.factories import (
    EN,
    contact,
    customer_passport,
    transfer,
    transfer_in_browser,
)
from transfers.models import EmailCorrection, Transfer
from transfers.services import (
    owner_contact_update,
    transfer_accept,
    transfer_cancel,
    transfer_confirm,
)

pytestmark = pytest.mark.django_db

DELETE = reverse("portal:delete_account")
NAME = "Annemarie Verhoeven"
EMAIL = "annemarie.verhoeven@example.nl"
PHONE = "0687654321"  # stored as +31687654321
PHONE_LATER = "0611229933"
STREET = "Lindengracht"
CITY = "Oudeschild"
POSTCODE = "9999 ZX"
NOTE = "Rammelt bij de uitlaat, bel mij op 06 8765 4321"
# What identifies her, as typed and as stored (E.164, postcodes with or without the space).
NEEDLES = [
    EMAIL,
    NAME,
    "Verhoeven",
    "687654321",
    "611229933",
    STREET,
    CITY,
    "9999 ZX",
    "9999ZX",
    "Rammelt bij de uitlaat",
]
# Text columns that keep a record on purpose (docs/architecture.md, "AVG"): none today.
AUDIT_EXCEPTIONS: set[tuple[str, str]] = set()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _text_columns() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND data_type IN "
            "('character varying', 'text', 'jsonb', 'json', 'character') "
            "ORDER BY table_name, column_name"
        )
        return cursor.fetchall()


def hits(needles) -> list[tuple[str, str, str]]:
    """Every (table, column, needle) where a text column of any table holds one of `needles`."""
    found = []
    with connection.cursor() as cursor:
        for table, column in _text_columns():
            for needle in needles:
                cursor.execute(
                    f'SELECT count(*) FROM "{table}" WHERE "{column}"::text ILIKE %s',
                    [f"%{needle}%"],
                )
                if cursor.fetchone()[0]:
                    found.append((table, column, needle))
    return found


@pytest.fixture
def person(db):
    return UserFactory(email=EMAIL, full_name=NAME)


@pytest.fixture
def world(garage, other_garage, person, support_user):
    """Her data in every table the app has: cars (one bought from a garage, one she is
    selling, one she sold earlier, one waiting for her), checks and history, the garage's
    corrections of her details, an email correction, appointments, reminders, an opt-out, a
    share link, a fleet question, another garage's question, a fleet where she drives, a
    failed login, support's edit of her account in the admin and the emails of all that."""
    typed = {
        "name": NAME,
        "street": STREET,
        "house_number": "7",
        "postcode": POSTCODE,
        "city": CITY,
        "phone": PHONE,
    }
    admin = garage.account_user
    # Bought from the garage's stock, accepted: hers.
    own = PassportFactory(garage=garage)
    bought = transfer(own, EMAIL, **typed)
    transfer_accept(transfer=bought, user=person)
    record_check(own, actor=admin, odometer_km=(own.odometer_km or 0) + 100)
    HistoryEntryFactory(passport=own, garage=garage, description="Grote beurt")
    own.refresh_from_db()
    owner_contact_update(
        passport=own,
        actor=admin,
        expected_version=own.owner_version,
        name=NAME,
        street=STREET,
        house_number="7",
        postcode=POSTCODE,
        city=CITY,
        phone=PHONE_LATER,
    )
    EmailCorrection.objects.create(
        transfer=bought, old_email="annemarie.verhoven@example.com", new_email=EMAIL
    )
    # A second car of hers that she is selling privately (waiting for the buyer).
    selling = customer_passport(
        garage, person, owner_phone="+31687654321", owner_street=STREET, owner_city=CITY
    )
    sale = transfer_confirm(
        passport=selling, contact=contact("koper@example.nl"), actor=person, via="owner"
    ).transfer
    # A car she sold through the garage; its buyer has not activated yet.
    sold = customer_passport(garage, person, owner_phone="+31687654321", owner_city=CITY)
    transfer(sold, "volgende@example.nl", name="Volgende Eigenaar")
    # A stock car the garage is handing to her; she has not accepted it yet.
    waiting = PassportFactory(garage=garage)
    transfer(waiting, EMAIL, **typed)
    # A quote for her car, which she declined with a reason that names her.
    quote_decline(quote=sent_quote(own), actor=person, reason=f"{NAME} laat het elders doen.")
    # Appointments: one answered long ago, one open; a reminder, an opt-out, a share link.
    ask(own, note=NOTE)
    ReminderSent.objects.create(
        passport=own, kind="apk_6_weeks", due_key="2027-01-01", recipient=EMAIL
    )
    EmailOptOut.objects.create(email=EMAIL, topic="promotions")
    share_link_create(passport=own, actor=person, days=7)
    # Questions to her: a fleet (the garage services it) and another garage.
    fleet = FleetFactory(garages=[garage])
    manager_of(fleet)
    fleet_link_request(passport=own, fleet=fleet, actor=admin)
    garage_move_request(passport=own, garage=other_garage, actor=other_garage.account_user)
    # She drives a fleet car: a closed period and the current one.
    fleet_car = PassportFactory(garage=garage)
    link(fleet_car, fleet)
    driver = {"driver_name": NAME, "driver_email": EMAIL, "driver_phone": "+31687654321"}
    Passport.objects.filter(pk=fleet_car.pk).update(**driver)
    unlink(fleet_car)
    link(fleet_car, fleet)
    Passport.objects.filter(pk=fleet_car.pk).update(**driver)
    # A failed login, and support's change of her name in the admin.
    AccessAttempt.objects.create(
        username=EMAIL,
        ip_address="127.0.0.1",
        user_agent="test",
        get_data="",
        post_data="",
        http_accept="",
        path_info="/accounts/login/",
        failures_since_start=1,
    )
    LogEntry.objects.create(
        user=support_user,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(person.pk),
        object_repr=EMAIL,
        action_flag=CHANGE,
        change_message=f'[{{"changed": {{"fields": ["name"], "after": "{NAME}"}}}}]',
    )
    return {
        "own": own,
        "selling": selling,
        "sale": sale,
        "sold": sold,
        "waiting": waiting,
        "fleet_car": fleet_car,
    }


def test_before_deleting_her_data_is_everywhere(world):
    """The search below finds her: the erasure test is not vacuous."""
    tables = {table for table, _column, _needle in hits(NEEDLES)}
    assert {
        "accounts_user",
        "autopaspoort_passport",
        "transfers_transfer",
        "transfers_ownercontactchange",
        "transfers_emailcorrection",
        "notifications_notification",
        "reminders_remindersent",
        "reminders_emailoptout",
        "appointments_appointment",
        "quotes_quote",
        "fleet_fleetlink",
        "axes_accessattempt",
        "django_admin_log",
    } <= tables


def test_deleting_erases_her_from_every_table(
    world, person, garage, client_for, django_capture_on_commit_callbacks
):
    own = world["own"]
    history_before = HistoryEntry.objects.filter(passport=own).count()
    checks_before = StatusCheck.objects.filter(passport=own).count()
    page = client_for(person)

    with django_capture_on_commit_callbacks(execute=True):
        response = page.post(DELETE, {"password": PASSWORD, "confirm": "on"}, **EN)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_deleted")
    found = [hit for hit in hits(NEEDLES) if hit[:2] not in AUDIT_EXCEPTIONS]
    assert found == []
    # The account stays as an anonymous row: it cannot log in, nothing is sent to it.
    person.refresh_from_db()
    assert person.email == erased_email(person)
    assert (person.full_name, person.is_active, person.has_usable_password()) == ("", False, False)
    assert page.get(reverse("portal:home")).status_code != 200  # the session has ended
    assert PrivacyEvent.objects.filter(user=person, kind="account_deleted").count() == 1
    # The cars' histories stay with the cars.
    assert HistoryEntry.objects.filter(passport=own).count() == history_before
    assert StatusCheck.objects.filter(passport=own).count() == checks_before


def test_her_cars_return_to_their_garage_as_owner_left_and_the_garage_is_told(
    world, person, garage, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        account_delete(user=person)

    for key in ("own", "selling"):
        car = Passport.objects.get(pk=world[key].pk)
        assert car.is_owner_left, key
        assert (car.state, car.owner_id, car.garage_id) == ("customer", None, garage.pk)
        assert car.owner_name == car.owner_phone == car.owner_street == ""
        told = Notification.objects.get(kind="owner_left", context__plate=car.plate)
        assert told.recipient == garage.email
    # The sale she started and the car waiting for her are cancelled; the waiting car is the
    # garage's stock again. The car she sold earlier stays with its buyer.
    assert Transfer.objects.get(pk=world["sale"].pk).state == Transfer.State.CANCELLED
    waiting = Passport.objects.get(pk=world["waiting"].pk)
    assert waiting.is_stock
    sold = Passport.objects.get(pk=world["sold"].pk)
    assert sold.owner.email == "volgende@example.nl"
    # Questions to her are closed; her open appointment is cancelled; her links are revoked.
    assert not FleetLinkRequest.objects.filter(owner=person, state="pending").exists()
    assert not GarageMoveRequest.objects.filter(owner=person, state="pending").exists()
    assert not Appointment.objects.filter(owner=person, state__in=["requested", "proposed"])
    assert not ShareLink.objects.filter(created_by=person, revoked_at__isnull=True).exists()
    # Her driver details are gone from the fleet car and its earlier period.
    assert not FleetLink.objects.filter(driver_email=EMAIL).exists()
    assert Passport.objects.get(pk=world["fleet_car"].pk).driver_email == ""
    # Nothing more goes to her address: every row to her is cancelled or was sent before.
    assert not Notification.objects.filter(user=person, state="pending").exists()


def test_the_garage_email_carries_reply_to_support(
    world, person, garage, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # deliver by hand below
    with django_capture_on_commit_callbacks(execute=False):
        account_delete(user=person)
    mail.outbox.clear()
    told = Notification.objects.filter(kind="owner_left").first()

    notification_deliver(notification_id=told.pk)

    (message,) = mail.outbox
    assert message.to == [garage.email]
    assert message.reply_to == [settings.SUPPORT_EMAIL]
    assert world["own"].plate in message.subject or world["selling"].plate in message.subject
    assert NAME not in message.body
    assert EMAIL not in message.body
    assert settings.SITE_URL + reverse("legal:privacy") in message.body


def test_wrong_password_or_no_tick_deletes_nothing(person, world, client_for):
    page = client_for(person)

    wrong = page.post(DELETE, {"password": "not-it", "confirm": "on"}, **EN)
    untick = page.post(DELETE, {"password": PASSWORD}, **EN)

    assertContains(wrong, "Your current password is incorrect.")
    assertContains(untick, "Tick the box to confirm.")
    person.refresh_from_db()
    assert person.email == EMAIL
    assert person.is_active
    assert not PrivacyEvent.objects.exists()


def test_staff_and_fleet_managers_are_sent_to_support(
    garage, mechanic, client_for, settings, support_user
):
    fleet = FleetFactory(garages=[garage])
    manager = manager_of(fleet)
    for user in (garage.account_user, mechanic, manager, support_user):
        response = client_for(user).post(DELETE, {"password": PASSWORD, "confirm": "on"}, **EN)
        assert response.status_code == 409, user
        assertContains(response, settings.SUPPORT_EMAIL, status_code=409)
        user.refresh_from_db()
        assert user.is_active
        assert not user.email.endswith(".invalid")


def test_the_page_says_what_happens(person, world, client_for):
    response = client_for(person).get(DELETE, **EN)

    assertContains(response, "the history of your cars stays with the cars")
    assertContains(response, world["own"].plate)
    assertContains(response, reverse("portal:data_download"))


# --- The owner-left car at every entry point ---------------------------------------------------


@pytest.fixture
def left_car(garage, person, django_capture_on_commit_callbacks):
    car = customer_passport(garage, person, owner_street=STREET, owner_phone="+31687654321")
    HistoryEntryFactory(passport=car, garage=garage, description="APK gekeurd")
    with django_capture_on_commit_callbacks(execute=True):
        account_delete(user=person)
    car.refresh_from_db()
    return car


def _garage_url(name, car):
    return reverse(name, kwargs={"garage_id": car.garage_id, "plate": car.plate})


def test_the_garage_sees_owner_left_on_its_pages(left_car, garage, client_for):
    client = client_for(garage.account_user)

    profile = client.get(_garage_url("autopaspoort:profile", left_car), **EN)
    details = client.get(_garage_url("autopaspoort:details", left_car), **EN)
    dashboard = client.get(reverse("garage:dashboard", kwargs={"garage_id": garage.pk}), **EN)
    edit = client.get(_garage_url("autopaspoort:owner_edit", left_car), **EN)

    day = left_car.owner_left_at
    for page in (profile, details):
        assertContains(page, "Owner left on")
        assertContains(page, "APK gekeurd" if page is profile else "Owner left")
        assertNotContains(page, NAME)
        assertNotContains(page, "Edit owner details")
    assertContains(dashboard, "Owner left")
    assertContains(dashboard, left_car.plate)
    assert edit.status_code == 404
    assert day is not None


def test_the_garage_transfers_an_owner_left_car_and_can_cancel_it_back(
    left_car, garage, client_for, django_capture_on_commit_callbacks
):
    client = client_for(garage.account_user)

    with django_capture_on_commit_callbacks(execute=True):
        done = transfer_in_browser(client, left_car, "nieuwe.eigenaar@example.nl")

    assert done.status_code == 200
    left_car.refresh_from_db()
    assert left_car.owner.email == "nieuwe.eigenaar@example.nl"
    assert left_car.owner_left_at is None
    assert not left_car.is_owner_left
    open_transfer = Transfer.objects.get(passport=left_car, state="awaiting_activation")
    assert open_transfer.previous_owner is None
    assert not open_transfer.previous_owner_was_garage

    transfer_cancel(transfer=open_transfer, actor=garage.account_user)

    left_car.refresh_from_db()
    assert left_car.is_owner_left
    assert not left_car.is_stock


def test_a_fleet_cannot_take_an_owner_left_car_without_an_owner(left_car, garage):
    from core.errors import ApplicationError

    fleet = FleetFactory(garages=[garage])
    with pytest.raises(ApplicationError, match="left AutoPaspoort"):
        fleet_link_request(passport=left_car, fleet=fleet, actor=garage.account_user)


def test_an_owner_left_car_gets_no_reminders(left_car):
    from reminders.selectors import reminder_candidates

    Passport.objects.filter(pk=left_car.pk).update(
        apk_expires=timezone.localdate() + timedelta(days=10)
    )
    assert left_car.pk not in set(
        reminder_candidates(today=timezone.localdate()).values_list("pk", flat=True)
    )


def test_a_deleted_account_never_comes_back(person, django_capture_on_commit_callbacks):
    from accounts.services import is_pending, password_reset_send

    account_delete(user=person)
    person.refresh_from_db()

    assert not is_pending(person)
    assert password_reset_send(email=person.email) is None
    assert password_reset_send(email=EMAIL) is None


def test_the_gms_api_reads_an_owner_left_car(left_car, garage):
    from garage.services import api_token_create
    from tests.api.conftest import Api

    _token, raw = api_token_create(garage=garage, actor=garage.account_user, name="GMS")
    api = Api(raw)

    one = api.get(f"/passports/{left_car.plate}")
    listed = api.get("/passports")

    assert one.status_code == 200, one.content
    assert NAME not in one.content.decode()
    assert left_car.plate in listed.content.decode()
