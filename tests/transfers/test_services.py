"""The transfer rules, against the database: transfers/services.py."""

from datetime import UTC, datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import translation

from accounts.models import User
from accounts.tokens import activation_token_generator
from autopaspoort.models import Passport
from core.errors import ApplicationError
from garage.models import Garage, Membership
from notifications.models import Notification
from notifications.rendering import build_message
from notifications.services import notification_deliver
from tests.accounts.factories import PASSWORD, UserFactory
from tests.autopaspoort.factories import PassportFactory
from tests.fleet.factories import FleetFactory, FleetManagerFactory
from tests.garage.factories import GarageFactory, MembershipFactory
from tests.transfers.factories import (
    NEW_PASSWORD,
    FleetAccountFactory,
    activation_path,
    contact,
    customer_passport,
    message_texts,
    messages_to,
    transfer,
)
from transfers import services
from transfers.models import EmailCorrection, OwnerContactChange, Transfer

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


@pytest.fixture(autouse=True)
def english():
    """Refusals are read in English (the Dutch catalogue is being updated)."""
    with translation.override("en"):
        yield


def notifications(kind=None, **filters):
    queryset = Notification.objects.filter(**filters)
    return list(queryset.filter(kind=kind) if kind else queryset)


def snapshot(passport):
    """Everything about a passport's owner that a refused transfer must leave alone."""
    passport.refresh_from_db()
    return (
        passport.owner_id,
        passport.state,
        passport.owner_version,
        passport.contact_email,
        passport.owner_name,
        passport.activated_at,
        passport.driver_name,
    )


# --- Transfer to a new owner ------------------------------------------------------------------


def test_a_stock_car_goes_to_a_new_inactive_account_that_gets_an_activation_email(
    garage, garage_admin
):
    passport = PassportFactory(garage=garage, driver_name="Chauffeur Stock")

    outcome = services.transfer_confirm(
        passport=passport,
        contact=contact(
            " Piet@Example.NL ",
            name="Piet Koper",
            street="Kerkstraat",
            house_number="12",
            postcode="3511AB",
            city="Utrecht",
            phone="0612345678",
        ),
        actor=garage_admin,
        expected_version=0,
    )

    assert outcome.already_done is False
    record = outcome.transfer
    new_owner = User.objects.get(email="piet@example.nl")
    assert not new_owner.is_active
    assert not new_owner.has_usable_password()
    assert new_owner.full_name == "Piet Koper"
    assert (record.state, record.via, record.new_owner, record.new_owner_is_new) == (
        Transfer.State.AWAITING_ACTIVATION,
        Transfer.Via.GARAGE,
        new_owner,
        True,
    )
    assert record.previous_owner == garage_admin
    assert record.previous_owner_was_garage is True
    assert record.created_by == garage_admin
    assert record.garage == garage
    assert (record.name, record.street, record.postcode, record.phone) == (
        "Piet Koper",
        "Kerkstraat",
        "3511AB",
        "+31612345678",  # as typed "0612345678", stored as E.164 (core.phones)
    )
    passport.refresh_from_db()
    assert passport.owner == new_owner
    assert passport.state == Passport.State.CUSTOMER
    assert passport.activated_at is None
    assert passport.owner_version == 1
    assert (passport.contact_email, passport.owner_name, passport.owner_city) == (
        "piet@example.nl",
        "Piet Koper",
        "Utrecht",
    )
    assert passport.driver_name == ""  # the driver belonged to the previous owner
    (notification,) = notifications()
    assert notification.kind == Kind.OWNER_ACTIVATION
    assert notification.recipient == "piet@example.nl"
    assert notification.user == new_owner
    assert notification.context == {"plate": passport.plate, "garage_name": "Garage A"}
    assert record.notification == notification


def test_the_activation_email_is_sent_only_after_the_transfer_commits(
    garage, garage_admin, django_capture_on_commit_callbacks
):
    passport = PassportFactory(garage=garage)

    with django_capture_on_commit_callbacks() as callbacks:
        transfer(passport, "piet@example.nl")
        assert mail.outbox == []

    assert mail.outbox == []
    for callback in callbacks:
        callback()
    (message,) = mail.outbox
    assert message.to == ["piet@example.nl"]
    assert "/mijn/activeren/" in message.body


def test_a_sales_person_may_transfer(garage, sales):
    passport = PassportFactory(garage=garage)

    record = transfer(passport, "piet@example.nl", actor=sales)

    assert record.created_by == sales


def test_a_mechanic_may_not_transfer_and_nothing_changes(garage, mechanic):
    passport = PassportFactory(garage=garage)
    before = snapshot(passport)

    with pytest.raises(PermissionDenied):
        transfer(passport, "piet@example.nl", actor=mechanic)

    assert snapshot(passport) == before
    assert not Transfer.objects.exists()
    assert not Notification.objects.exists()
    assert not User.objects.filter(email="piet@example.nl").exists()


def test_staff_of_another_garage_may_not_transfer(garage, other_garage_staff):
    passport = PassportFactory(garage=garage)

    with pytest.raises(PermissionDenied):
        transfer(passport, "piet@example.nl", actor=other_garage_staff)

    assert not Transfer.objects.exists()


def test_transfer_of_fleet_car_is_refused_with_the_fleets_name_and_nothing_changes(
    garage, garage_admin
):
    fleet = FleetAccountFactory(name="Leasebedrijf Noord BV")
    passport = PassportFactory(garage=garage, fleet=fleet)
    before = snapshot(passport)

    with pytest.raises(ApplicationError) as refused:
        transfer(passport, "piet@example.nl")

    assert "Leasebedrijf Noord BV" in refused.value.message
    assert passport.plate in refused.value.message
    assert snapshot(passport) == before
    assert not Transfer.objects.exists()
    assert not Notification.objects.exists()
    assert not User.objects.filter(email="piet@example.nl").exists()


def test_garage_staff_cannot_transfer_a_fleet_car_by_acting_as_the_fleet(garage, garage_admin):
    passport = PassportFactory(garage=garage, fleet=FleetAccountFactory())
    before = snapshot(passport)

    with pytest.raises(PermissionDenied):
        services.transfer_confirm(
            passport=passport,
            contact=contact("piet@example.nl"),
            actor=garage_admin,
            via=Transfer.Via.FLEET,
        )

    assert snapshot(passport) == before
    assert not Transfer.objects.exists()


# --- Repeated and concurrent confirmations ----------------------------------------------------


def test_a_repeated_confirmation_creates_one_transfer_and_one_email(garage, garage_admin):
    passport = PassportFactory(garage=garage)
    confirm = {
        "passport": passport,
        "contact": contact("piet@example.nl"),
        "actor": garage_admin,
        "expected_version": 0,
    }

    first = services.transfer_confirm(**confirm)
    again = services.transfer_confirm(**confirm)

    assert (first.already_done, again.already_done) == (False, True)
    assert again.transfer == first.transfer
    assert Transfer.objects.count() == 1
    assert len(notifications(Kind.OWNER_ACTIVATION)) == 1
    passport.refresh_from_db()
    assert passport.owner_version == 1


def test_a_repeated_confirmation_without_a_version_is_also_already_done(garage, garage_admin):
    passport = PassportFactory(garage=garage)

    first = transfer(passport, "piet@example.nl")
    again = services.transfer_confirm(
        passport=passport, contact=contact("PIET@example.nl"), actor=garage_admin
    )

    assert again.already_done is True
    assert again.transfer == first
    assert len(notifications()) == 1


def test_a_confirmation_against_an_older_version_to_another_email_is_refused(
    garage, garage_admin, sales
):
    passport = PassportFactory(garage=garage)
    services.transfer_confirm(
        passport=passport, contact=contact("piet@example.nl"), actor=sales, expected_version=0
    )
    before = snapshot(passport)

    with pytest.raises(ApplicationError) as refused:
        services.transfer_confirm(
            passport=passport,
            contact=contact("klaas@example.nl"),
            actor=garage_admin,
            expected_version=0,
        )

    assert "changed by someone else" in refused.value.message
    assert snapshot(passport) == before
    assert Transfer.objects.count() == 1
    assert not User.objects.filter(email="klaas@example.nl").exists()


def test_the_same_email_confirmed_by_a_colleague_against_an_older_version_is_refused(
    garage, garage_admin, sales
):
    passport = PassportFactory(garage=garage)
    services.transfer_confirm(
        passport=passport, contact=contact("piet@example.nl"), actor=sales, expected_version=0
    )

    with pytest.raises(ApplicationError):
        services.transfer_confirm(
            passport=passport,
            contact=contact("piet@example.nl"),
            actor=garage_admin,
            expected_version=0,
        )

    assert Transfer.objects.count() == 1
    assert len(notifications()) == 1


def test_a_car_waiting_for_activation_cannot_be_transferred_again(garage, garage_admin):
    passport = PassportFactory(garage=garage)
    transfer(passport, "piet@example.nl")
    passport.refresh_from_db()

    with pytest.raises(ApplicationError) as refused:
        transfer(passport, "klaas@example.nl")

    assert "still waiting for piet@example.nl" in refused.value.message
    assert Transfer.objects.count() == 1


def test_the_database_allows_one_open_transfer_per_passport(garage, garage_admin):
    passport = PassportFactory(garage=garage)
    first = transfer(passport, "piet@example.nl")

    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(
            passport=passport,
            garage=garage,
            previous_owner_was_garage=True,
            new_owner=first.new_owner,
            new_owner_is_new=True,
            email="klaas@example.nl",
            via=Transfer.Via.GARAGE,
        )


def test_transferring_to_the_current_owner_is_a_field_error(garage, owner):
    passport = customer_passport(garage, owner)

    with pytest.raises(ApplicationError) as refused:
        transfer(passport, owner.email)

    assert refused.value.field == "email"
    assert not Transfer.objects.exists()


# --- Existing owner ---------------------------------------------------------------------------


def test_an_existing_owner_gets_a_car_added_notification_never_an_activation_link(
    garage, other_owner, django_capture_on_commit_callbacks
):
    passport = PassportFactory(garage=garage)

    with django_capture_on_commit_callbacks(execute=True):
        record = transfer(passport, other_owner.email.upper())

    assert record.new_owner == other_owner
    assert record.new_owner_is_new is False
    assert record.state == Transfer.State.AWAITING_ACTIVATION
    (notification,) = notifications()
    assert notification.kind == Kind.CAR_ADDED
    assert notification.state == Notification.State.SENT
    (message,) = messages_to(mail.outbox, other_owner.email)
    texts = message_texts(message)
    assert passport.plate in texts
    assert "/mijn/activeren/" not in texts
    assert "/mijn/" in texts
    other_owner.refresh_from_db()
    assert other_owner.is_active
    assert other_owner.check_password(PASSWORD)
    passport.refresh_from_db()
    assert passport.activated_at is None  # waits under "to confirm"


def test_the_existing_owner_accepting_completes_the_transfer(garage, other_owner):
    passport = PassportFactory(garage=garage)
    record = transfer(passport, other_owner.email)

    services.transfer_accept(transfer=record, user=other_owner)

    record.refresh_from_db()
    passport.refresh_from_db()
    assert record.state == Transfer.State.COMPLETED
    assert record.completed_at is not None
    assert passport.activated_at == record.completed_at


def test_someone_else_cannot_accept_a_car_waiting_for_an_owner(garage, owner, other_owner):
    passport = PassportFactory(garage=garage)
    record = transfer(passport, other_owner.email)

    with pytest.raises(ApplicationError):
        services.transfer_accept(transfer=record, user=owner)

    record.refresh_from_db()
    assert record.is_open


def test_accepting_twice_changes_nothing_the_second_time(garage, other_owner):
    passport = PassportFactory(garage=garage)
    record = transfer(passport, other_owner.email)
    services.transfer_accept(transfer=record, user=other_owner)
    record.refresh_from_db()
    completed_at = record.completed_at

    services.transfer_accept(transfer=record, user=other_owner)

    record.refresh_from_db()
    assert record.completed_at == completed_at


# --- Activation -------------------------------------------------------------------------------


def test_activation_sets_the_password_and_completes_every_car_waiting_for_the_new_owner(
    garage, other_garage
):
    first = PassportFactory(garage=garage)
    second = PassportFactory(garage=other_garage)
    transfer(first, "piet@example.nl")
    second_transfer = transfer(second, "piet@example.nl")
    new_owner = User.objects.get(email="piet@example.nl")
    # The account is still waiting: the second car asks for activation too.
    assert second_transfer.new_owner_is_new is True
    assert len(notifications(Kind.OWNER_ACTIVATION, user=new_owner)) == 2

    completed = services.owner_activate(
        user=new_owner,
        token=activation_token_generator.make_token(new_owner),
        password=NEW_PASSWORD,
    )

    assert {record.passport for record in completed} == {first, second}
    new_owner.refresh_from_db()
    assert new_owner.is_active
    assert new_owner.check_password(NEW_PASSWORD)
    assert Passport.objects.filter(owner=new_owner, activated_at__isnull=False).count() == 2
    assert not Transfer.objects.filter(state=Transfer.State.AWAITING_ACTIVATION).exists()


def test_an_active_account_cannot_be_activated_again(garage):
    transfer(PassportFactory(garage=garage), "piet@example.nl")
    new_owner = User.objects.get(email="piet@example.nl")
    services.owner_activate(
        user=new_owner,
        token=activation_token_generator.make_token(new_owner),
        password=NEW_PASSWORD,
    )

    with pytest.raises(ApplicationError):
        services.owner_activate(
            user=new_owner,
            token=activation_token_generator.make_token(new_owner),
            password="Iets-anders-123",
        )

    new_owner.refresh_from_db()
    assert new_owner.check_password(NEW_PASSWORD)


# --- Previous owner and trade-in --------------------------------------------------------------


def test_the_previous_owner_loses_the_car_at_once_and_gets_a_receipt_without_the_buyer(
    garage, owner, other_owner, django_capture_on_commit_callbacks
):
    passport = customer_passport(garage, owner)

    with django_capture_on_commit_callbacks(execute=True):
        transfer(passport, other_owner.email, name="Koper Kwadraat", phone="0611112222")

    passport.refresh_from_db()
    assert passport.owner == other_owner
    (receipt,) = notifications(Kind.TRANSFER_RECEIPT)
    assert receipt.recipient == owner.email
    assert set(receipt.context) == {"plate", "date"}
    texts = message_texts(build_message(receipt))
    assert passport.plate in texts
    assert receipt.context["date"] in texts
    for buyer_detail in (other_owner.email, "Koper Kwadraat", "0611112222", other_owner.full_name):
        assert buyer_detail not in texts


def test_a_stock_car_sold_by_the_garage_gives_no_receipt_to_the_garage(garage, garage_admin):
    transfer(PassportFactory(garage=garage), "piet@example.nl")

    assert not notifications(Kind.TRANSFER_RECEIPT)
    assert not notifications(recipient=garage.email)


def test_a_trade_in_to_the_garage_email_makes_the_car_stock_again_without_email_to_the_garage(
    garage, garage_admin, owner, django_capture_on_commit_callbacks
):
    passport = customer_passport(garage, owner, driver_name="Chauffeur Klant")

    with django_capture_on_commit_callbacks(execute=True):
        record = transfer(passport, garage.email.upper(), name="Garage A")

    passport.refresh_from_db()
    assert passport.state == Passport.State.STOCK
    assert passport.owner == garage_admin
    assert passport.activated_at is not None
    assert passport.driver_name == ""
    assert record.state == Transfer.State.COMPLETED
    assert record.completed_at is not None
    assert record.notification is None
    assert not notifications(recipient=garage.email)
    assert not messages_to(mail.outbox, garage.email)
    assert [n.kind for n in notifications()] == [Kind.TRANSFER_RECEIPT]  # for the customer
    # And the stock car can be sold again at once.
    again = transfer(passport, "piet@example.nl")
    assert again.previous_owner_was_garage is True


# --- Resend -----------------------------------------------------------------------------------


def test_resending_cancels_the_pending_email_and_queues_a_new_one(garage, sales):
    record = transfer(PassportFactory(garage=garage), "piet@example.nl")
    first = record.notification

    resent = services.transfer_resend_email(transfer=record, actor=sales)

    first.refresh_from_db()
    record.refresh_from_db()
    assert first.state == Notification.State.CANCELLED
    assert resent.state == Notification.State.PENDING
    assert (resent.kind, resent.recipient) == (Kind.OWNER_ACTIVATION, "piet@example.nl")
    assert record.notification == resent


def test_resending_a_car_added_notice_sends_the_same_kind(garage, other_owner):
    record = transfer(PassportFactory(garage=garage), other_owner.email)

    resent = services.transfer_resend_email(transfer=record, actor=garage.account_user)

    assert resent.kind == Kind.CAR_ADDED


def test_a_mechanic_cannot_resend(garage, mechanic):
    record = transfer(PassportFactory(garage=garage), "piet@example.nl")

    with pytest.raises(PermissionDenied):
        services.transfer_resend_email(transfer=record, actor=mechanic)

    assert len(notifications()) == 1


def test_nothing_is_resent_after_activation(garage, garage_admin):
    record = transfer(PassportFactory(garage=garage), "piet@example.nl")
    services.owner_activate(
        user=record.new_owner,
        token=activation_token_generator.make_token(record.new_owner),
        password=NEW_PASSWORD,
    )

    with pytest.raises(ApplicationError):
        services.transfer_resend_email(transfer=record, actor=garage_admin)

    assert len(notifications()) == 1


# --- Garage email correction ------------------------------------------------------------------


def test_a_garage_correction_before_activation_sends_a_new_activation_and_cancels_the_old(
    garage, sales, django_capture_on_commit_callbacks
):
    passport = PassportFactory(garage=garage)
    record = transfer(passport, "piet@gmial.com")
    old_notification = record.notification
    account = record.new_owner

    with django_capture_on_commit_callbacks(execute=True):
        services.transfer_correct_email(transfer=record, new_email="Piet@Gmail.com", actor=sales)

    old_notification.refresh_from_db()
    assert old_notification.state == Notification.State.CANCELLED
    record.refresh_from_db()
    assert record.email == "piet@gmail.com"
    assert record.is_open
    assert record.new_owner.email == "piet@gmail.com"
    assert record.new_owner == account  # the account made for this car gets the right address
    assert not User.objects.filter(email="piet@gmial.com").exists()
    passport.refresh_from_db()
    assert passport.contact_email == "piet@gmail.com"
    correction = EmailCorrection.objects.get()
    assert (correction.old_email, correction.new_email) == ("piet@gmial.com", "piet@gmail.com")
    assert (correction.by_support, correction.corrected_by, correction.reason) == (False, sales, "")
    new_notification = record.notification
    assert new_notification != old_notification
    assert (new_notification.kind, new_notification.recipient) == (
        Kind.OWNER_ACTIVATION,
        "piet@gmail.com",
    )
    assert [message.to for message in mail.outbox] == [["piet@gmail.com"]]


def test_an_activation_still_queued_for_the_old_address_is_never_sent_after_a_correction(
    garage, garage_admin
):
    record = transfer(PassportFactory(garage=garage), "piet@gmial.com")
    old_notification = record.notification
    services.transfer_correct_email(transfer=record, new_email="piet@gmail.com", actor=garage_admin)

    notification_deliver(notification_id=old_notification.pk)  # the broker had it already

    old_notification.refresh_from_db()
    assert old_notification.state == Notification.State.CANCELLED
    assert not messages_to(mail.outbox, "piet@gmial.com")


def test_correcting_to_the_same_address_changes_nothing(garage, garage_admin):
    record = transfer(PassportFactory(garage=garage), "piet@example.nl")

    services.transfer_correct_email(
        transfer=record, new_email="PIET@example.nl", actor=garage_admin
    )

    assert not EmailCorrection.objects.exists()
    assert len(notifications()) == 1


def test_the_garage_cannot_correct_the_email_after_activation(garage, garage_admin):
    record = transfer(PassportFactory(garage=garage), "piet@example.nl")
    services.owner_activate(
        user=record.new_owner,
        token=activation_token_generator.make_token(record.new_owner),
        password=NEW_PASSWORD,
    )

    with pytest.raises(ApplicationError) as refused:
        services.transfer_correct_email(
            transfer=record, new_email="klaas@example.nl", actor=garage_admin
        )

    assert "support" in refused.value.message
    assert not EmailCorrection.objects.exists()
    assert not User.objects.filter(email="klaas@example.nl").exists()


def test_a_mechanic_cannot_correct_the_email(garage, mechanic):
    record = transfer(PassportFactory(garage=garage), "piet@example.nl")

    with pytest.raises(PermissionDenied):
        services.transfer_correct_email(transfer=record, new_email="k@example.nl", actor=mechanic)

    assert not EmailCorrection.objects.exists()


def test_a_correction_to_an_existing_account_gives_that_owner_the_car_to_accept(
    garage, garage_admin, other_owner
):
    passport = PassportFactory(garage=garage)
    record = transfer(passport, "piet@gmial.com")

    services.transfer_correct_email(
        transfer=record, new_email=other_owner.email, actor=garage_admin
    )

    record.refresh_from_db()
    passport.refresh_from_db()
    assert record.new_owner == other_owner
    assert record.new_owner_is_new is False
    assert record.notification.kind == Kind.CAR_ADDED
    assert passport.owner == other_owner


def test_a_correction_to_an_existing_account_kills_the_link_sent_to_the_mistyped_address(
    garage, garage_admin, other_owner, django_capture_on_commit_callbacks
):
    """The mistyped address got an activation link; after the garage corrected the address
    (to one that happens to have an account already) that link must stop working."""
    passport = PassportFactory(garage=garage)
    with django_capture_on_commit_callbacks(execute=True):
        record = transfer(passport, "piet@gmial.com")
    (sent,) = mail.outbox
    old_link = activation_path(sent.body)

    services.transfer_correct_email(
        transfer=record, new_email=other_owner.email, actor=garage_admin
    )

    response = Client().get(old_link)
    assert response.templates[0].name == "portal/activation_invalid.html"


# --- Support correction (service level; the admin page is in test_admin.py) -------------------


def test_only_support_staff_may_correct_after_activation(garage, garage_admin):
    record = transfer(PassportFactory(garage=garage), "piet@example.nl")
    staff_without_permission = UserFactory(is_staff=True)

    for actor in (garage_admin, staff_without_permission):
        with pytest.raises(ApplicationError):
            services.transfer_support_correct_email(
                transfer=record, new_email="klaas@example.nl", reason="Ticket 1", actor=actor
            )

    assert not EmailCorrection.objects.exists()


def test_a_support_correction_needs_a_reason(garage, support_user):
    record = transfer(PassportFactory(garage=garage), "piet@example.nl")

    with pytest.raises(ApplicationError) as refused:
        services.transfer_support_correct_email(
            transfer=record, new_email="klaas@example.nl", reason="   ", actor=support_user
        )

    assert refused.value.field == "reason"
    assert not EmailCorrection.objects.exists()


def test_only_the_latest_transfer_of_a_car_can_be_corrected_by_support(
    garage, support_user, other_owner
):
    passport = PassportFactory(garage=garage)
    first = transfer(passport, "piet@example.nl")
    services.owner_activate(
        user=first.new_owner,
        token=activation_token_generator.make_token(first.new_owner),
        password=NEW_PASSWORD,
    )
    passport.refresh_from_db()
    transfer(passport, other_owner.email)

    with pytest.raises(ApplicationError):
        services.transfer_support_correct_email(
            transfer=first, new_email="klaas@example.nl", reason="Ticket 2", actor=support_user
        )

    assert not EmailCorrection.objects.exists()


# --- "Send me a new link" ---------------------------------------------------------------------


def test_a_new_link_is_queued_only_for_a_new_owner_who_is_still_waiting(garage, owner, other_owner):
    record = transfer(PassportFactory(garage=garage), "piet@example.nl")
    transfer(PassportFactory(garage=garage), other_owner.email)  # existing owner, waits to accept
    before = set(Notification.objects.values_list("pk", flat=True))

    # The page's request enqueues a task for any address; the task's half looks it up.
    for address in ("nobody@example.nl", owner.email, other_owner.email, garage.email):
        services.activation_resend_send(email=address)
    assert set(Notification.objects.values_list("pk", flat=True)) == before

    services.activation_resend_send(email=" PIET@example.nl ")

    record.refresh_from_db()
    (new,) = Notification.objects.exclude(pk__in=before)
    assert (new.kind, new.recipient, new.user) == (
        Kind.OWNER_ACTIVATION,
        "piet@example.nl",
        record.new_owner,
    )
    assert record.notification == new
    assert Notification.objects.get(pk=min(before)).state == Notification.State.CANCELLED


def test_correcting_to_the_garages_own_email_does_not_make_the_garage_a_customer(
    garage, garage_admin
):
    """`transfer_confirm` treats the garage's own address as a trade-in (stock, no email); a
    correction to that address must not leave a customer car owned by the garage account,
    waiting for the garage to accept it in the owner portal."""
    passport = PassportFactory(garage=garage)
    record = transfer(passport, "piet@gmial.com")

    try:
        services.transfer_correct_email(transfer=record, new_email=garage.email, actor=garage_admin)
    except ApplicationError:
        refused = True
    else:
        refused = False

    passport.refresh_from_db()
    assert refused or passport.is_stock, (passport.state, passport.owner)
    assert not notifications(Kind.CAR_ADDED, recipient=garage.email)


def test_the_receipt_carries_the_dutch_date_of_a_transfer_just_after_midnight(
    garage, owner, other_owner, monkeypatch
):
    passport = customer_passport(garage, owner)
    # 00:30 on 3 March in the Netherlands is still 2 March in UTC.
    just_after_midnight = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    monkeypatch.setattr(services.timezone, "now", lambda: just_after_midnight)

    transfer(passport, other_owner.email)

    (receipt,) = notifications(Kind.TRANSFER_RECEIPT)
    assert receipt.context["date"] == "3 maart 2026"


# --- A correction never hands an account with other roles to the corrected address -----------


def _fleet_manager(account):
    FleetManagerFactory(fleet=FleetFactory(name="Ander Wagenpark BV"), user=account)


def _garage_staff(account):
    MembershipFactory(garage=GarageFactory(), user=account, role=Membership.Role.MECHANIC)


def _garage_login(account):
    Garage.objects.filter(pk=GarageFactory().pk).update(account_user=account)


def _staff(account):
    User.objects.filter(pk=account.pk).update(is_staff=True)


def _superuser(account):
    User.objects.filter(pk=account.pk).update(is_staff=True, is_superuser=True)


def _another_car(account):
    transfer(PassportFactory(), account.email)


OTHER_ROLES = {
    "fleet manager": _fleet_manager,
    "garage staff": _garage_staff,
    "garage login": _garage_login,
    "support staff": _staff,
    "superuser": _superuser,
    "another car": _another_car,
}


@pytest.mark.parametrize("by_support", [False, True], ids=["garage", "support"])
@pytest.mark.parametrize("give_role", OTHER_ROLES.values(), ids=OTHER_ROLES.keys())
def test_a_correction_leaves_a_pending_account_with_another_role_at_its_own_address(
    garage, garage_admin, support_user, give_role, by_support
):
    """Issue 14, item 6: the pending owner of the mistyped address is also a fleet manager
    elsewhere (or staff, or waits for another car...). Renaming that account to the corrected
    address handed its other roles to whoever owns the corrected address. The corrected address
    gets an account of its own; the pending account keeps its address and its roles."""
    passport = PassportFactory(garage=garage)
    record = transfer(passport, "piet@gmial.com")
    pending = record.new_owner
    give_role(pending)

    if by_support:
        services.transfer_support_correct_email(
            transfer=record, new_email="piet@gmail.com", reason="Ticket 14", actor=support_user
        )
    else:
        services.transfer_correct_email(
            transfer=record, new_email="piet@gmail.com", actor=garage_admin
        )

    pending.refresh_from_db()
    assert pending.email == "piet@gmial.com"
    corrected = User.objects.get(email="piet@gmail.com")
    assert corrected.pk != pending.pk
    assert (corrected.is_staff, corrected.is_superuser) == (False, False)
    assert not corrected.fleet_memberships.exists()
    assert not corrected.garage_memberships.exists()
    assert not Garage.objects.filter(account_user=corrected).exists()
    passport.refresh_from_db()
    record.refresh_from_db()
    assert (passport.owner, record.new_owner) == (corrected, corrected)
    assert record.new_owner_is_new
    assert list(corrected.owned_passports.all()) == [passport]


def test_a_correction_still_renames_an_account_made_only_for_this_car(garage, garage_admin):
    record = transfer(PassportFactory(garage=garage), "piet@gmial.com")
    pending = record.new_owner

    services.transfer_correct_email(transfer=record, new_email="piet@gmail.com", actor=garage_admin)

    pending.refresh_from_db()
    assert pending.email == "piet@gmail.com"
    assert not User.objects.filter(email="piet@gmial.com").exists()


# --- Correcting the current owner's contact details (issue 14, item 20) ----------------------


def test_the_owners_contact_details_are_corrected_with_an_audit_record(garage, sales):
    passport = PassportFactory(garage=garage)
    transfer(passport, "piet@example.nl", name="Piet", street="Oudeweg", phone="0611111111")
    passport.refresh_from_db()

    change = services.owner_contact_update(
        passport=passport,
        actor=sales,
        expected_version=passport.owner_version,
        name="Piet",
        street="Nieuweweg",
        postcode="1234ab",
        phone="0611111111",
    )

    passport.refresh_from_db()
    assert (passport.owner_street, passport.owner_postcode) == ("Nieuweweg", "1234 AB")
    assert passport.contact_email == "piet@example.nl"
    assert (change.changed_by, change.owner, change.passport) == (sales, passport.owner, passport)
    assert change.before == {"street": "Oudeweg", "postcode": ""}
    assert change.after == {"street": "Nieuweweg", "postcode": "1234 AB"}


def test_saving_unchanged_contact_details_writes_no_record(garage, garage_admin):
    passport = PassportFactory(garage=garage)
    transfer(passport, "piet@example.nl", name="Piet", city="Utrecht")
    passport.refresh_from_db()

    change = services.owner_contact_update(
        passport=passport,
        actor=garage_admin,
        expected_version=passport.owner_version,
        name="Piet",
        city="Utrecht",
    )

    assert change is None
    assert not OwnerContactChange.objects.exists()


def test_contact_details_are_refused_for_mechanics_stock_cars_and_bad_postcodes(
    garage, garage_admin, mechanic
):
    stock = PassportFactory(garage=garage)
    sold = PassportFactory(garage=garage)
    transfer(sold, "piet@example.nl")
    sold.refresh_from_db()

    with pytest.raises(PermissionDenied):
        services.owner_contact_update(
            passport=sold, actor=mechanic, expected_version=sold.owner_version, name="X"
        )
    with pytest.raises(ApplicationError):
        services.owner_contact_update(
            passport=stock, actor=garage_admin, expected_version=stock.owner_version, name="X"
        )
    with pytest.raises(ApplicationError) as refused:
        services.owner_contact_update(
            passport=sold,
            actor=garage_admin,
            expected_version=sold.owner_version,
            name="X",
            postcode="12",
        )
    assert refused.value.field == "postcode"
    assert not OwnerContactChange.objects.exists()


def test_the_same_email_with_other_details_is_not_a_repeat_of_the_transfer(garage, garage_admin):
    """Issue 14, item 20: "already done" for other details silently dropped them."""
    passport = PassportFactory(garage=garage)
    transfer(passport, "piet@example.nl", street="Oudeweg")

    with pytest.raises(ApplicationError) as refused:
        transfer(passport, "piet@example.nl", street="Nieuweweg")

    assert "Edit owner details" in refused.value.message
    passport.refresh_from_db()
    assert passport.owner_street == "Oudeweg"


def test_the_next_owner_gets_only_the_details_given_for_them(garage, garage_admin):
    """Issue 14, item 3, at the service: the new owner's contact is built from what was
    submitted, nothing of the previous owner is carried over."""
    passport = PassportFactory(garage=garage)
    transfer(
        passport,
        "verkoper@example.nl",
        name="Verkoper",
        street="Oudeweg",
        house_number="1",
        postcode="1111 AA",
        city="Oudestad",
        phone="0611111111",
    )
    passport.refresh_from_db()
    services.transfer_accept(transfer=passport.transfers.get(), user=passport.owner)
    passport.refresh_from_db()

    services.transfer_confirm(
        passport=passport,
        contact=services.OwnerContact(email="koper@example.nl", name="Koper", city="Nieuwstad"),
        actor=garage_admin,
    )

    passport.refresh_from_db()
    contact_now = [getattr(passport, f"owner_{field}") for field in services.CONTACT_FIELDS]
    assert contact_now == ["Koper", "", "", "", "Nieuwstad", ""]
    assert passport.contact_email == "koper@example.nl"
