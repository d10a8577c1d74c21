"""The fleet rules, against the database: fleet/services.py, and transfer_confirm(via="fleet")."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from accounts.models import User
from autopaspoort.models import Passport
from core.errors import ApplicationError
from fleet import selectors, services
from fleet.models import FleetAccount, FleetLink, FleetMembership
from notifications.models import Notification
from tests.autopaspoort.factories import PassportFactory
from tests.fleet.factories import FleetFactory, fleet_car, link, manager_of, unlink
from tests.transfers.factories import contact, transfer
from transfers import services as transfer_services
from transfers.models import Transfer

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


@pytest.fixture(autouse=True)
def english():
    """Refusals are read in English (the Dutch catalogue is being updated)."""
    with translation.override("en"):
        yield


@pytest.fixture
def fleet(garage):
    return FleetFactory(name="Leasebedrijf Noord BV", garages=[garage])


def open_links(passport):
    return list(FleetLink.objects.filter(passport=passport, unlinked_at__isnull=True))


def fleet_transfer(passport, email_address, *, actor, **fields):
    return transfer_services.transfer_confirm(
        passport=passport,
        contact=contact(email_address, **fields),
        actor=actor,
        via=Transfer.Via.FLEET,
    ).transfer


# --- Link and unlink, with their record -------------------------------------------------------


def test_linking_opens_a_period_with_who_and_when_and_puts_the_car_in_the_fleet(
    garage, sales, fleet
):
    passport = PassportFactory(garage=garage)

    record = services.fleet_link(passport=passport, fleet=fleet, actor=sales)

    passport.refresh_from_db()
    assert passport.fleet == fleet
    assert (record.passport, record.fleet, record.linked_by) == (passport, fleet, sales)
    assert record.linked_at is not None
    assert (record.unlinked_at, record.unlinked_by) == (None, None)
    assert open_links(passport) == [record]


def test_unlinking_closes_the_period_with_who_and_when(garage, garage_admin, sales, fleet):
    passport = PassportFactory(garage=garage)
    record = link(passport, fleet, actor=sales)

    services.fleet_unlink(passport=passport, actor=garage_admin)

    passport.refresh_from_db()
    record.refresh_from_db()
    assert passport.fleet is None
    assert record.linked_by == sales
    assert record.unlinked_by == garage_admin
    assert record.unlinked_at >= record.linked_at
    assert open_links(passport) == []


def test_a_second_link_later_makes_a_second_period(garage, garage_admin, sales, fleet):
    passport = PassportFactory(garage=garage)
    first = link(passport, fleet, actor=sales)
    unlink(passport, actor=sales)

    second = link(passport, fleet, actor=garage_admin)

    first.refresh_from_db()
    assert second.pk != first.pk
    assert first.unlinked_at is not None
    assert (second.linked_by, second.unlinked_at) == (garage_admin, None)
    assert list(FleetLink.objects.filter(passport=passport)) == [second, first]
    passport.refresh_from_db()
    assert passport.fleet == fleet


def test_the_fleet_manager_may_unlink_a_car_of_the_fleet(garage, fleet):
    manager = manager_of(fleet)
    passport = fleet_car(fleet, garage=garage)

    services.fleet_unlink(passport=passport, actor=manager)

    passport.refresh_from_db()
    assert passport.fleet is None
    assert FleetLink.objects.get(passport=passport).unlinked_by == manager


def person(request, garage, who):
    """The persona fixture `who`, or for "other_fleets_manager" the manager of another fleet
    that the same garage services."""
    if who == "other_fleets_manager":
        return manager_of(FleetFactory(garages=[garage]))
    return request.getfixturevalue(who)


@pytest.mark.parametrize("who", ["mechanic", "other_garage_staff", "other_fleets_manager"])
def test_unlinking_by_someone_without_a_say_is_refused_and_nothing_changes(
    request, garage, fleet, who
):
    passport = fleet_car(fleet, garage=garage)
    actor = person(request, garage, who)

    with pytest.raises(PermissionDenied):
        services.fleet_unlink(passport=passport, actor=actor)

    passport.refresh_from_db()
    assert passport.fleet == fleet
    assert len(open_links(passport)) == 1


def test_unlinking_a_car_that_is_in_no_fleet_is_refused(garage, garage_admin):
    passport = PassportFactory(garage=garage)

    with pytest.raises(ApplicationError) as refused:
        services.fleet_unlink(passport=passport, actor=garage_admin)

    assert refused.value.message == f"{passport.plate} is not in a fleet."


def test_the_database_allows_one_open_period_per_car(garage, fleet):
    passport = fleet_car(fleet, garage=garage)

    with pytest.raises(IntegrityError), transaction.atomic():
        FleetLink.objects.create(passport=passport, fleet=FleetFactory(garages=[garage]))


# --- Which fleets a garage may link to --------------------------------------------------------


def test_a_garage_links_to_its_own_stock_fleet_made_with_the_garage(garage, garage_admin):
    passport = PassportFactory(garage=garage)
    stock = FleetAccount.objects.get(stock_of=garage)  # garage_create made it

    link(passport, stock, actor=garage_admin)

    assert services.stock_fleet_for(garage=garage) == stock  # one per garage
    assert (stock.kind, stock.stock_of, stock.name) == ("stock", garage, "Garage A (voorraad)")
    assert list(stock.garages.all()) == [garage]
    passport.refresh_from_db()
    assert passport.fleet == stock


def test_the_fleets_for_linking_are_the_serviced_ones_and_the_own_stock_fleet(
    garage, other_garage, fleet
):
    elsewhere = FleetFactory(garages=[other_garage])
    fleets = list(selectors.fleets_for_linking(garage=garage))

    assert fleets == [fleet, FleetAccount.objects.get(stock_of=garage)]
    assert elsewhere not in fleets


def test_linking_to_a_fleet_the_garage_does_not_service_is_refused(
    garage, garage_admin, other_garage
):
    passport = PassportFactory(garage=garage)
    elsewhere = FleetFactory(name="Vloot Zuid BV", garages=[other_garage])

    with pytest.raises(ApplicationError) as refused:
        services.fleet_link(passport=passport, fleet=elsewhere, actor=garage_admin)

    assert refused.value.message == "Your garage does not service the fleet Vloot Zuid BV."
    assert refused.value.field == "fleet"
    passport.refresh_from_db()
    assert passport.fleet is None
    assert not FleetLink.objects.exists()


def test_linking_to_another_garages_stock_fleet_is_refused(garage, garage_admin, other_garage):
    passport = PassportFactory(garage=garage)

    with pytest.raises(ApplicationError):
        services.fleet_link(
            passport=passport,
            fleet=services.stock_fleet_for(garage=other_garage),
            actor=garage_admin,
        )

    assert not FleetLink.objects.exists()


def test_a_car_already_in_a_fleet_must_be_unlinked_first(garage, garage_admin, fleet):
    passport = fleet_car(fleet, garage=garage)
    stock = services.stock_fleet_for(garage=garage)

    with pytest.raises(ApplicationError) as refused:
        services.fleet_link(passport=passport, fleet=stock, actor=garage_admin)

    assert refused.value.message == (
        f"{passport.plate} is in the fleet Leasebedrijf Noord BV. Unlink it first."
    )
    passport.refresh_from_db()
    assert passport.fleet == fleet
    assert [record.fleet for record in FleetLink.objects.filter(passport=passport)] == [fleet]


def test_linking_a_car_to_the_fleet_it_is_in_says_so(garage, garage_admin, fleet):
    passport = fleet_car(fleet, garage=garage)

    with pytest.raises(ApplicationError) as refused:
        services.fleet_link(passport=passport, fleet=fleet, actor=garage_admin)

    assert refused.value.message == f"{passport.plate} is already in Leasebedrijf Noord BV."
    assert FleetLink.objects.filter(passport=passport).count() == 1


def test_a_car_waiting_for_its_new_owner_cannot_be_linked(garage, garage_admin, fleet):
    passport = PassportFactory(garage=garage)
    transfer(passport, "piet@example.nl")

    with pytest.raises(ApplicationError) as refused:
        services.fleet_link(passport=passport, fleet=fleet, actor=garage_admin)

    assert "waiting for its new owner" in refused.value.message
    assert not FleetLink.objects.exists()


@pytest.mark.parametrize("who", ["mechanic", "other_garage_staff", "fleet_manager"])
def test_only_admins_and_sales_of_the_cars_garage_may_link(request, garage, fleet, who):
    passport = PassportFactory(garage=garage)
    actor = manager_of(fleet) if who == "fleet_manager" else request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        services.fleet_link(passport=passport, fleet=fleet, actor=actor)

    assert not FleetLink.objects.exists()


def test_a_passport_created_with_a_fleet_starts_in_it_with_a_period(garage, sales, fleet):
    passport = services.passport_create_linked(
        garage=garage,
        actor=sales,
        plate="gj-555-k",
        owner_email=garage.email,
        vehicle={"make": "VOLVO"},
        fleet=fleet,
    )

    assert Passport.objects.get(pk=passport.pk).fleet == fleet
    record = FleetLink.objects.get(passport=passport)
    assert (record.fleet, record.linked_by, record.unlinked_at) == (fleet, sales, None)


def test_the_passport_returned_by_create_with_a_fleet_shows_that_fleet(garage, sales, fleet):
    """passport_create_linked links a locked copy of the row and returns its own, stale instance."""
    passport = services.passport_create_linked(
        garage=garage,
        actor=sales,
        plate="gj-555-k",
        owner_email=garage.email,
        vehicle={"make": "VOLVO"},
        fleet=fleet,
    )

    assert passport.fleet == fleet


def test_a_refused_fleet_at_creation_creates_no_passport(garage, sales, other_garage):
    with pytest.raises(ApplicationError):
        services.passport_create_linked(
            garage=garage,
            actor=sales,
            plate="gj-555-k",
            owner_email=garage.email,
            vehicle={"make": "VOLVO"},
            fleet=FleetFactory(garages=[other_garage]),
        )

    assert not Passport.objects.exists()
    assert not FleetLink.objects.exists()


# --- Setting up a fleet and inviting its managers ---------------------------------------------


def test_a_garage_admin_creates_a_business_fleet_it_services_and_invites_its_manager(
    garage, garage_admin
):
    created = services.fleet_create(
        garage=garage,
        actor=garage_admin,
        name="Leasebedrijf Noord BV",
        email="Info@Leasebedrijf.nl",
        kvk_number="12345678",
        manager_email="Wagenpark@Leasebedrijf.nl",
        manager_name="Wim Wagenpark",
    )

    assert (created.kind, created.email, created.kvk_number, created.stock_of) == (
        "business",
        "info@leasebedrijf.nl",
        "12345678",
        None,
    )
    assert list(created.garages.all()) == [garage]
    manager = User.objects.get(email="wagenpark@leasebedrijf.nl")
    assert (manager.full_name, manager.has_usable_password()) == ("Wim Wagenpark", False)
    membership = FleetMembership.objects.get()
    assert (membership.fleet, membership.user, membership.invited_by) == (
        created,
        manager,
        garage_admin,
    )
    notification = Notification.objects.get()
    assert (notification.kind, notification.recipient, notification.user) == (
        Kind.FLEET_INVITE,
        manager.email,
        manager,
    )
    assert notification.context["fleet_name"] == "Leasebedrijf Noord BV"


@pytest.mark.parametrize("who", ["mechanic", "sales", "other_garage_staff"])
def test_only_the_garages_admin_creates_a_fleet(request, garage, who):
    with pytest.raises(PermissionDenied):
        services.fleet_create(
            garage=garage,
            actor=request.getfixturevalue(who),
            name="Leasebedrijf Noord BV",
            email="info@leasebedrijf.nl",
            manager_email="wagenpark@leasebedrijf.nl",
        )

    assert not FleetAccount.objects.filter(kind=FleetAccount.Kind.BUSINESS).exists()
    assert not Notification.objects.exists()


def test_a_fleet_with_an_invalid_kvk_number_is_not_created(garage, garage_admin):
    with pytest.raises(ValidationError):
        services.fleet_create(
            garage=garage,
            actor=garage_admin,
            name="Leasebedrijf Noord BV",
            email="info@leasebedrijf.nl",
            kvk_number="1234",
            manager_email="wagenpark@leasebedrijf.nl",
        )

    assert not FleetAccount.objects.filter(kind=FleetAccount.Kind.BUSINESS).exists()
    assert not User.objects.filter(email="wagenpark@leasebedrijf.nl").exists()


def test_someone_with_a_password_is_told_they_were_added_not_invited(garage, garage_admin, owner):
    fleet = FleetFactory(garages=[garage])

    membership = services.fleet_manager_invite(
        fleet=fleet, actor=garage_admin, email=owner.email.upper()
    )

    assert membership.user == owner
    owner.refresh_from_db()
    assert owner.has_usable_password()
    notification = Notification.objects.get()
    assert (notification.kind, notification.recipient) == (Kind.FLEET_ADDED, owner.email)


def test_inviting_someone_who_already_manages_the_fleet_is_a_field_error(garage, garage_admin):
    fleet = FleetFactory(garages=[garage])
    manager = manager_of(fleet)

    with pytest.raises(ApplicationError) as refused:
        services.fleet_manager_invite(fleet=fleet, actor=garage_admin, email=manager.email)

    assert refused.value.field == "manager_email"
    assert refused.value.message == "This person already manages this fleet."
    assert FleetMembership.objects.filter(fleet=fleet).count() == 1
    assert not Notification.objects.exists()


def test_an_invitation_to_a_second_fleet_of_the_same_person_is_fine(garage, garage_admin):
    first, second = FleetFactory(garages=[garage]), FleetFactory(garages=[garage])
    invited = services.fleet_manager_invite(
        fleet=first, actor=garage_admin, email="wagenpark@example.nl"
    ).user

    services.fleet_manager_invite(fleet=second, actor=garage_admin, email="wagenpark@example.nl")

    assert set(FleetMembership.objects.filter(user=invited).values_list("fleet", flat=True)) == {
        first.pk,
        second.pk,
    }
    assert User.objects.filter(email="wagenpark@example.nl").count() == 1


@pytest.mark.parametrize("who", ["mechanic", "other_garage_staff", "owner"])
def test_who_is_not_the_fleet_or_its_garages_admin_may_not_invite(request, garage, who):
    fleet = FleetFactory(garages=[garage])

    with pytest.raises(PermissionDenied):
        services.fleet_manager_invite(
            fleet=fleet, actor=request.getfixturevalue(who), email="nieuw@example.nl"
        )

    assert not FleetMembership.objects.exists()


def test_a_fleet_manager_and_support_may_invite_more_managers(garage, support_user):
    fleet = FleetFactory(garages=[garage])
    manager = manager_of(fleet)

    services.fleet_manager_invite(fleet=fleet, actor=manager, email="collega@example.nl")
    services.fleet_manager_invite(fleet=fleet, actor=support_user, email="derde@example.nl")

    assert set(fleet.memberships.values_list("user__email", flat=True)) == {
        manager.email,
        "collega@example.nl",
        "derde@example.nl",
    }


# --- The driver -------------------------------------------------------------------------------


def test_the_fleet_manager_keeps_the_driver_up_to_date(garage, fleet):
    manager = manager_of(fleet)
    passport = fleet_car(fleet, garage=garage)

    services.driver_update(
        passport=passport,
        actor=manager,
        name="Bea Bestuurder",
        email=" Bea@Example.NL ",
        phone="0612345678",
    )

    passport.refresh_from_db()
    assert (passport.driver_name, passport.driver_email, passport.driver_phone) == (
        "Bea Bestuurder",
        "bea@example.nl",
        "0612345678",
    )


@pytest.mark.parametrize("who", ["garage_admin", "other_fleets_manager"])
def test_only_the_fleets_manager_edits_the_driver(request, garage, fleet, who):
    passport = fleet_car(fleet, garage=garage, driver_name="Oud")
    actor = person(request, garage, who)

    with pytest.raises(PermissionDenied):
        services.driver_update(passport=passport, actor=actor, name="Nieuw", email="", phone="")

    passport.refresh_from_db()
    assert passport.driver_name == "Oud"


def test_the_driver_of_a_car_that_left_the_fleet_cannot_be_edited(garage, fleet):
    manager = manager_of(fleet)
    passport = fleet_car(fleet, garage=garage)
    unlink(passport)

    with pytest.raises(PermissionDenied):
        services.driver_update(passport=passport, actor=manager, name="X", email="", phone="")


# --- Transfer out of the fleet ----------------------------------------------------------------


def test_a_fleet_transfer_takes_the_car_out_of_the_fleet_with_it(garage, fleet):
    manager = manager_of(fleet)
    passport = fleet_car(fleet, garage=garage, driver_name="Bea", driver_email="bea@example.nl")

    record = fleet_transfer(passport, "Piet@Example.nl", actor=manager)

    passport.refresh_from_db()
    assert (record.via, record.created_by, record.email) == ("fleet", manager, "piet@example.nl")
    assert passport.fleet is None
    assert passport.owner == User.objects.get(email="piet@example.nl")
    assert (passport.driver_name, passport.driver_email) == ("", "")
    period = FleetLink.objects.get(passport=passport)
    assert period.unlinked_by == manager
    assert period.unlinked_at is not None
    assert [n.kind for n in Notification.objects.all()] == [Kind.OWNER_ACTIVATION]


def test_the_car_stays_in_the_fleet_when_the_transfer_fails_halfway(garage, fleet, monkeypatch):
    manager = manager_of(fleet)
    passport = fleet_car(fleet, garage=garage)

    def broken(**kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(transfer_services, "_new_owner_notification", broken)
    with pytest.raises(RuntimeError):
        fleet_transfer(passport, "piet@example.nl", actor=manager)

    passport.refresh_from_db()
    assert passport.fleet == fleet
    assert len(open_links(passport)) == 1
    assert not Transfer.objects.exists()


@pytest.mark.parametrize("who", ["garage_admin", "other_fleets_manager", "owner"])
def test_only_the_fleets_manager_transfers_through_the_fleet(request, garage, fleet, who):
    passport = fleet_car(fleet, garage=garage)
    actor = person(request, garage, who)

    with pytest.raises(PermissionDenied):
        fleet_transfer(passport, "piet@example.nl", actor=actor)

    passport.refresh_from_db()
    assert passport.fleet == fleet
    assert not Transfer.objects.exists()


def test_a_fleet_manager_cannot_transfer_a_car_that_is_not_in_the_fleet(garage, fleet):
    manager = manager_of(fleet)
    passport = fleet_car(fleet, garage=garage)
    unlink(passport)

    with pytest.raises(PermissionDenied):
        fleet_transfer(passport, "piet@example.nl", actor=manager)

    assert not Transfer.objects.exists()


def test_the_garage_cannot_transfer_a_fleet_car_and_is_told_which_fleet(garage, sales, fleet):
    passport = fleet_car(fleet, garage=garage)
    version = passport.owner_version

    with pytest.raises(ApplicationError) as refused:
        transfer(passport, "piet@example.nl", actor=sales)

    assert refused.value.message == (
        f"{passport.plate} is linked to the fleet account Leasebedrijf Noord BV. Unlink it "
        "first, or transfer it from the fleet account."
    )
    passport.refresh_from_db()
    assert (passport.fleet, passport.owner_version) == (fleet, version)
    assert not Transfer.objects.exists()


def test_a_fleet_transfer_to_an_existing_account_sends_the_car_added_notice(garage, fleet, owner):
    manager = manager_of(fleet)
    passport = fleet_car(fleet, garage=garage)

    record = fleet_transfer(passport, owner.email, actor=manager)

    assert (record.new_owner, record.new_owner_is_new) == (owner, False)
    assert [(n.kind, n.recipient) for n in Notification.objects.all()] == [
        (Kind.CAR_ADDED, owner.email)
    ]


def test_showing_the_fleets_to_link_to_writes_nothing(garage, django_assert_num_queries):
    FleetAccount.objects.filter(stock_of=garage).delete()  # a garage from before the migration

    with django_assert_num_queries(1):
        fleets = list(selectors.fleets_for_linking(garage=garage))

    assert fleets == []
    assert not FleetAccount.objects.filter(stock_of=garage).exists()
