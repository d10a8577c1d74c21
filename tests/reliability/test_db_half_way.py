"""Issue 9: the database fails half-way through a service that writes several rows.

A PostgreSQL trigger on every table counts the rows written (insert, update, delete). Each
service runs once to learn how many rows it writes (rolled back), then again with the trigger
raising on the last of them. Nothing may be left behind: every table holds the same rows as
before, and nothing was queued to run after commit (no task, no email).
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.models import User
from accounts.tokens import activation_token_generator
from appointments import services as appointments
from autopaspoort import services as autopaspoort
from autopaspoort.models import HistoryEntry, Passport
from fleet import services as fleet
from fleet.models import FleetAccount
from garage import services as garage_services
from garage.models import Garage, Membership
from promotions import services as promotions
from promotions.models import Promotion
from reminders.services import reminders_send_due
from tests import figures
from tests.appointments.factories import ask, slot
from tests.autopaspoort.factories import PassportFactory, item
from tests.fleet.factories import FleetFactory, link, manager_of
from tests.transfers.factories import contact, customer_passport, transfer
from transfers import services as transfers
from transfers.models import Transfer

pytestmark = [pytest.mark.faults, pytest.mark.needs_postgres, pytest.mark.django_db]

COUNT_WRITES = """
CREATE OR REPLACE FUNCTION fault_count_write() RETURNS trigger AS $$
DECLARE
  written int := coalesce(nullif(current_setting('fault.writes', true), ''), '0')::int + 1;
BEGIN
  PERFORM set_config('fault.writes', written::text, true);
  IF written = coalesce(nullif(current_setting('fault.fail_at', true), ''), '0')::int THEN
    RAISE EXCEPTION 'injected fault: write % (% on %)', written, TG_OP, TG_TABLE_NAME;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
"""


class Rollback(Exception):
    pass


@pytest.fixture
def fault_triggers(db):
    """Counting triggers on every table; created in the test's transaction, gone after it."""
    tables = [t for t in connection.introspection.table_names() if t != "django_migrations"]
    with connection.cursor() as cursor:
        cursor.execute(COUNT_WRITES)
        for number, table in enumerate(tables):
            cursor.execute(
                f'CREATE TRIGGER fault_{number} AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
                "FOR EACH ROW EXECUTE FUNCTION fault_count_write()"
            )
    return tables


def set_fault(*, fail_at: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('fault.writes', '0', true)")
        cursor.execute("SELECT set_config('fault.fail_at', %s, true)", [str(fail_at)])


def writes_so_far() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('fault.writes', true)")
        return int(cursor.fetchone()[0] or 0)


def table_contents(tables) -> dict:
    """Every row of every table (as text), so an update that survived shows up too."""
    contents = {}
    with connection.cursor() as cursor:
        for table in tables:
            rows = "coalesce(string_agg(t::text, '|' ORDER BY t::text), '')"
            cursor.execute(f'SELECT md5({rows}) FROM "{table}" t')
            contents[table] = cursor.fetchone()[0]
    return contents


def fail_half_way(call, tables, capture) -> int:
    """Run `call` to count its writes (rolled back), then with the last write failing."""
    set_fault(fail_at=0)
    try:
        with transaction.atomic():
            call()
            written = writes_so_far()
            raise Rollback
    except Rollback:
        pass
    assert written >= 2, f"{call.__name__} writes {written} row(s)"

    before = table_contents(tables)
    mail.outbox.clear()
    set_fault(fail_at=written)
    with capture() as callbacks, pytest.raises(DatabaseError, match="injected fault"):
        call()
    set_fault(fail_at=0)
    changed = [t for t, digest in table_contents(tables).items() if before[t] != digest]
    assert changed == [], f"left behind in {changed}"
    assert callbacks == []  # nothing enqueued after a commit that never came
    assert mail.outbox == []
    figures.add("faults.db_half_way.services")
    return written


# --- One case per service: returns a call that re-reads what it needs, so it can run twice ----


def case_transfer_confirm(g):
    passport = PassportFactory(garage=g)
    return lambda: transfers.transfer_confirm(
        passport=Passport.objects.get(pk=passport.pk),
        contact=contact("nieuw@example.nl"),
        actor=g.account_user,
    )


def case_transfer_confirm_existing_owner(g):
    current, buyer = (
        User.objects.create_user("huidig@example.nl"),
        User.objects.create_user("koper@example.nl"),
    )
    passport = customer_passport(g, current)
    return lambda: transfers.transfer_confirm(
        passport=Passport.objects.get(pk=passport.pk),
        contact=contact(buyer.email),
        actor=g.account_user,
    )


def case_owner_activate(g):
    record = transfer(PassportFactory(garage=g), "activeer@example.nl")

    def call():
        user = User.objects.get(pk=record.new_owner_id)
        return transfers.owner_activate(
            user=user, token=activation_token_generator.make_token(user), password="Xy-12345678!"
        )

    return call


def case_transfer_accept(g):
    buyer = User.objects.create_user("bestaand@example.nl", password="Xy-12345678!")
    record = transfer(PassportFactory(garage=g), buyer.email)
    return lambda: transfers.transfer_accept(
        transfer=Transfer.objects.get(pk=record.pk), user=buyer
    )


def case_transfer_correct_email(g):
    record = transfer(PassportFactory(garage=g), "piet@gmial.com")
    return lambda: transfers.transfer_correct_email(
        transfer=Transfer.objects.get(pk=record.pk),
        new_email="piet@gmail.com",
        actor=g.account_user,
    )


def case_transfer_support_correct_email(g):
    record = transfer(PassportFactory(garage=g), "jan@hotmial.com")
    support = User.objects.create_user("support@example.nl", is_staff=True)
    support.groups.add(Group.objects.get(name="support"))
    return lambda: transfers.transfer_support_correct_email(
        transfer=Transfer.objects.get(pk=record.pk),
        new_email="jan@hotmail.com",
        reason="Klant belde",
        actor=support,
    )


def case_transfer_resend_email(g):
    record = transfer(PassportFactory(garage=g), "opnieuw@example.nl")
    return lambda: transfers.transfer_resend_email(
        transfer=Transfer.objects.get(pk=record.pk), actor=g.account_user
    )


def case_passport_register_for_customer(g):
    return lambda: transfers.passport_register(
        garage=Garage.objects.get(pk=g.pk),
        actor=g.account_user,
        plate="GJ-55-55",
        owner=contact("klant.api@example.nl"),
        via=Transfer.Via.API,
    )


def case_passport_register_many(g):
    def call():
        from api.schemas import OwnerIn

        items = [
            {"plate": plate, "owner": OwnerIn(email=g.email, name="")}
            for plate in ("GJ-55-56", "GJ-55-57", "GJ-55-58")
        ]
        return transfers.passport_register_many(
            garage=Garage.objects.get(pk=g.pk), actor=g.account_user, items=items, via="api"
        )

    return call


def case_passport_create_in_fleet(g):
    fleet_account = FleetFactory(garages=[g])
    return lambda: fleet.passport_create_linked(
        garage=g,
        actor=g.account_user,
        plate="GJ-55-59",
        owner_email=g.email,
        fleet=FleetAccount.objects.get(pk=fleet_account.pk),
    )


def case_status_check_record(g):
    passport = PassportFactory(garage=g, odometer_km=40_000)
    return lambda: autopaspoort.status_check_record(
        passport=Passport.objects.get(pk=passport.pk),
        actor=g.account_user,
        odometer_km=91_000,
        items=[item(), item(cost="120.00")],
    )


def case_history_entry_add(g):
    passport = PassportFactory(garage=g, odometer_km=40_000)
    return lambda: autopaspoort.history_entry_add(
        passport=Passport.objects.get(pk=passport.pk),
        actor=g.account_user,
        kind=HistoryEntry.Kind.REPAIR,
        on=timezone.localdate(),
        odometer_km=92_000,
        description="Uitlaat vervangen",
    )


def case_garage_update_settings(g):
    return lambda: garage_services.garage_update_settings(
        garage=Garage.objects.get(pk=g.pk),
        actor=User.objects.get(pk=g.account_user_id),
        email="nieuw.adres@example.nl",
    )


def case_staff_invite(g):
    return lambda: garage_services.staff_invite(
        garage=g,
        actor=g.account_user,
        email="monteur.nieuw@example.nl",
        role=Membership.Role.MECHANIC,
    )


def case_fleet_create(g):
    return lambda: fleet.fleet_create(
        garage=g,
        actor=g.account_user,
        name="Wagenpark BV",
        email="wagenpark@example.nl",
        manager_email="beheer@example.nl",
    )


def case_fleet_manager_invite(g):
    fleet_account = FleetFactory(garages=[g])
    return lambda: fleet.fleet_manager_invite(
        fleet=FleetAccount.objects.get(pk=fleet_account.pk),
        actor=g.account_user,
        email="nieuwe.beheerder@example.nl",
    )


def case_fleet_link(g):
    fleet_account, passport = FleetFactory(garages=[g]), PassportFactory(garage=g)
    return lambda: fleet.fleet_link(
        passport=Passport.objects.get(pk=passport.pk),
        fleet=FleetAccount.objects.get(pk=fleet_account.pk),
        actor=g.account_user,
    )


def case_fleet_unlink(g):
    fleet_account, passport = FleetFactory(garages=[g]), PassportFactory(garage=g)
    link(passport, fleet_account)
    return lambda: fleet.fleet_unlink(
        passport=Passport.objects.get(pk=passport.pk), actor=g.account_user
    )


def case_fleet_transfer(g):
    fleet_account, passport = FleetFactory(garages=[g]), PassportFactory(garage=g)
    link(passport, fleet_account)
    manager = manager_of(fleet_account)
    return lambda: transfers.transfer_confirm(
        passport=Passport.objects.get(pk=passport.pk),
        contact=contact("koper.van.wagenpark@example.nl"),
        actor=manager,
        via=Transfer.Via.FLEET,
    )


def case_appointment_request(g):
    owner = User.objects.create_user("afspraak@example.nl")
    passport = customer_passport(g, owner)
    return lambda: appointments.appointment_request(
        passport=Passport.objects.get(pk=passport.pk),
        actor=owner,
        reason="maintenance",
        slots=[slot(3), slot(4)],
    )


def case_appointment_accept_slot(g):
    owner = User.objects.create_user("afspraak2@example.nl")
    appointment = ask(customer_passport(g, owner))
    first_slot = appointment.slots.order_by("pk").first().pk
    return lambda: appointments.appointment_accept_slot(
        appointment=type(appointment).objects.get(pk=appointment.pk),
        slot_id=first_slot,
        actor=g.account_user,
    )


def case_promotion_send(g):
    for number in range(3):
        customer_passport(g, User.objects.create_user(f"klant{number}@example.nl"))
    promotion = promotions.promotion_create(
        garage=g, actor=g.account_user, subject="Wintercheck", body="Kom langs", segment="all"
    )
    return lambda: promotions.promotion_send(
        promotion=Promotion.objects.get(pk=promotion.pk), actor=g.account_user
    )


def case_reminders_send_due(g):
    owner = User.objects.create_user("apk@example.nl")
    customer_passport(g, owner, apk_expires=timezone.localdate() + timedelta(days=40))
    return lambda: reminders_send_due(today=timezone.localdate())


CASES = [value for name, value in sorted(globals().items()) if name.startswith("case_")]


@pytest.mark.parametrize("case", CASES, ids=[case.__name__.removeprefix("case_") for case in CASES])
def test_a_service_failing_at_its_last_write_leaves_nothing_behind(
    case, garage, fault_triggers, django_capture_on_commit_callbacks
):
    call = case(garage)
    call.__name__ = case.__name__
    fail_half_way(call, fault_triggers, django_capture_on_commit_callbacks)


def test_the_fault_trigger_really_fails_a_write(garage, fault_triggers):
    set_fault(fail_at=1)
    with pytest.raises(DatabaseError, match="injected fault"), transaction.atomic():
        PassportFactory(garage=garage)
    set_fault(fail_at=0)
    assert not Passport.objects.exists()
