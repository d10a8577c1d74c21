"""Recalls and APK defects: the owner's email (once per recall, through the outbox, respecting
their switch), the pages that show them (the garage's and the current owner's only) and the
dashboards' "open recall" filter."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from autopaspoort import rdw_refresh
from autopaspoort.models import ApkDefect, Passport, PassportRecall, Recall
from autopaspoort.rdw_refresh import rdw_refresh_run
from notifications.models import EmailOptOut, Notification, Topic
from tests.autopaspoort.factories import PassportFactory
from tests.fleet.factories import FleetFactory, fleet_car, manager_of, unlink
from tests.transfers.factories import customer_passport, transfer
from transfers.services import transfer_accept

pytestmark = pytest.mark.django_db

RECALL = Notification.Kind.RECALL_OPEN
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
REMEDY = "De dealer vervangt de bevestiging van de airbag."


@pytest.fixture
def golf(garage, owner):
    """Owner's Golf: the recordings give it the open recall VWG240412 and three APK defects."""
    owner.language = "en"
    owner.save(update_fields=["language"])
    return customer_passport(garage, owner, plate="GJ-55-55")


def recall_emails():
    return Notification.objects.filter(kind=RECALL)


def due_again():
    Passport.objects.update(rdw_next_check_at=None)


# --- The email ---------------------------------------------------------------------------------


def test_the_owner_is_emailed_once_per_recall_across_runs(
    rdw_batch_server, golf, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert rdw_refresh_run().emails == 1
    due_again()
    with django_capture_on_commit_callbacks(execute=True):
        assert rdw_refresh_run().emails == 0

    [message] = mail.outbox
    assert message.to == [owner.email]
    assert "GJ-55-55" in message.subject
    assert "VWG240412" in message.body
    assert REMEDY in message.body
    assert "contact your dealer or Garage A" in message.body
    assert "https://www.volkswagen.nl/terugroepacties" in message.body
    assert "/afmelden/" in message.body  # the reminders' one-click switch
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    notification = recall_emails().get()
    assert notification.state == Notification.State.SENT
    row = PassportRecall.objects.get(passport=golf)
    assert row.notified_at is not None
    assert row.notified_owner == owner


def test_a_crash_after_commit_before_delivery_does_not_queue_a_second_email(
    rdw_batch_server, golf, django_capture_on_commit_callbacks
):
    # The worker dies after the batch committed, before the outbox task ran: the row is pending
    # (the outbox's sweep delivers it), and the next refresh adds nothing.
    with django_capture_on_commit_callbacks(execute=False):
        rdw_refresh_run()
    assert recall_emails().get().state == Notification.State.PENDING
    due_again()
    with django_capture_on_commit_callbacks(execute=False):
        rdw_refresh_run()
    assert recall_emails().count() == 1


def test_a_crash_before_commit_leaves_no_email_and_no_record(rdw_batch_server, golf, monkeypatch):
    real_queue = rdw_refresh.notification_queue

    def queue_then_die(**kwargs):
        real_queue(**kwargs)
        raise RuntimeError("worker killed")

    monkeypatch.setattr(rdw_refresh, "notification_queue", queue_then_die)
    with pytest.raises(RuntimeError):
        rdw_refresh_run()
    assert not recall_emails().exists()
    assert not PassportRecall.objects.exists()
    assert Passport.objects.get(pk=golf.pk).rdw_checked_at is None

    monkeypatch.setattr(rdw_refresh, "notification_queue", real_queue)
    rdw_refresh_run()
    assert recall_emails().count() == 1


def test_owners_who_switched_reminders_off_get_no_recall_email(rdw_batch_server, golf, owner):
    owner.reminders_enabled = False
    owner.save(update_fields=["reminders_enabled"])

    rdw_refresh_run()

    assert not recall_emails().exists()
    assert PassportRecall.objects.get(passport=golf).notified_at is None
    # Switched on again while the recall is still open: told at the next refresh.
    owner.reminders_enabled = True
    owner.save(update_fields=["reminders_enabled"])
    due_again()
    rdw_refresh_run()
    assert recall_emails().count() == 1


def test_an_address_that_unsubscribed_from_reminders_gets_no_recall_email(
    rdw_batch_server, golf, owner
):
    EmailOptOut.objects.create(email=owner.email, topic=Topic.REMINDERS)
    rdw_refresh_run()
    assert not recall_emails().exists()


def test_stock_cars_and_cars_awaiting_activation_get_no_email(rdw_batch_server, garage, owner):
    PassportFactory(plate="GJ-55-55", garage=garage)
    PassportFactory(plate="TK-301-R", garage=garage, awaiting_activation=True)

    rdw_refresh_run()

    assert PassportRecall.objects.filter(status="open").count() == 2
    assert not recall_emails().exists()


def test_a_new_owner_is_told_of_a_recall_still_open_and_the_previous_one_not_again(
    rdw_batch_server, golf, owner, other_owner, django_capture_on_commit_callbacks
):
    rdw_refresh_run()
    with django_capture_on_commit_callbacks(execute=True):
        record = transfer(golf, other_owner.email)
    transfer_accept(transfer=record, user=other_owner)
    due_again()

    rdw_refresh_run()

    assert sorted(recall_emails().values_list("recipient", flat=True)) == sorted(
        [owner.email, other_owner.email]
    )


def test_the_email_is_in_the_owners_language(rdw_batch_server, golf, owner):
    owner.language = "nl"
    owner.save(update_fields=["language"])
    rdw_refresh_run()
    from notifications.rendering import build_message

    message = build_message(recall_emails().get())
    assert "Terugroepactie" in message.subject
    assert "neem contact op" in message.body.lower()


# --- The pages ---------------------------------------------------------------------------------


def refreshed(golf):
    rdw_refresh_run()
    return Passport.objects.get(pk=golf.pk)


def profile_url(passport):
    return reverse(
        "autopaspoort:profile", kwargs={"garage_id": passport.garage_id, "plate": passport.plate}
    )


def portal_url(passport):
    return reverse("portal:car", kwargs={"plate": passport.plate})


def test_the_garage_profile_shows_the_open_recall_what_to_do_and_the_apk_defects(
    rdw_batch_server, golf, garage_admin, client_for
):
    golf = refreshed(golf)
    page = client_for(garage_admin).get(profile_url(golf), **EN)

    assertContains(page, "Open recall VWG240412")
    assertContains(page, "message message-error recall-open")
    assertContains(page, REMEDY)
    assertContains(page, "Contact your dealer or garage to have it repaired")
    assertContains(page, 'href="https://www.volkswagen.nl/terugroepacties"')
    assertContains(page, "Band(en) onvoldoende profieldiepte")
    assertContains(page, "Defects found at the APK")
    assertContains(page, "RDW data checked on")


def test_the_owner_sees_recalls_and_defects_on_the_portal(
    rdw_batch_server, golf, owner, client_for
):
    golf = refreshed(golf)
    page = client_for(owner).get(portal_url(golf), **EN)

    assertContains(page, "Open recall VWG240412")
    assertContains(page, REMEDY)
    assertContains(page, "Remleiding of -slang beschadigd")
    assertContains(page, "RDW data checked on")


def test_a_repaired_recall_is_listed_without_the_warning(rdw_batch_server, garage, client_for):
    toyota = PassportFactory(plate="TK-301-R", garage=garage)
    rdw_refresh_run()
    page = client_for(garage.account_user).get(profile_url(toyota), **EN)

    assertContains(page, "Open recall TYT230918")
    assertContains(page, "Recall TYT210305")
    assertNotContains(page, "Open recall TYT210305")


def test_no_recall_and_not_checked_yet_say_so(garage, client_for):
    car = PassportFactory(garage=garage)
    page = client_for(garage.account_user).get(profile_url(car), **EN)
    assertContains(page, "The RDW lists no recalls for this car.")
    assertContains(page, "RDW data not checked yet")


def test_another_garage_and_a_previous_owner_see_nothing(
    rdw_batch_server,
    golf,
    owner,
    other_owner,
    other_garage,
    other_garage_staff,
    client_for,
    django_capture_on_commit_callbacks,
):
    golf = refreshed(golf)
    foreign = reverse(
        "autopaspoort:profile", kwargs={"garage_id": other_garage.pk, "plate": golf.plate}
    )
    assert client_for(other_garage_staff).get(foreign).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        record = transfer(golf, other_owner.email)
    transfer_accept(transfer=record, user=other_owner)

    assert client_for(owner).get(portal_url(golf)).status_code == 404
    assertContains(client_for(other_owner).get(portal_url(golf), **EN), "Open recall VWG240412")


def test_exported_and_uninsured_are_shown(rdw_batch_server, garage, client_for):
    peugeot = PassportFactory(plate="HJ-12-34", garage=garage)
    rdw_refresh_run()
    page = client_for(garage.account_user).get(profile_url(peugeot), **EN)
    assertContains(page, "The RDW lists this car as exported.")
    assertContains(page, "not insured (WAM)")


# --- The filters -------------------------------------------------------------------------------


def open_recall(passport):
    recall, _ = Recall.objects.get_or_create(reference="TEST01")
    return PassportRecall.objects.create(
        passport=passport, recall=recall, status="open", first_seen_at=timezone.now()
    )


def test_the_dashboard_filters_cars_with_an_open_recall(garage, client_for):
    with_recall = PassportFactory(garage=garage)
    repaired = PassportFactory(garage=garage)
    PassportFactory(garage=garage)
    open_recall(with_recall)
    row = open_recall(repaired)
    row.status = "repaired"
    row.save()
    dashboard = reverse("garage:dashboard", kwargs={"garage_id": garage.pk})
    client = client_for(garage.account_user)

    everything = client.get(dashboard, **EN)
    filtered = client.get(dashboard + "?open_recall=on", **EN)

    assert len(everything.context["page"].passports) == 3
    assert [p.pk for p in filtered.context["page"].passports] == [with_recall.pk]
    assertContains(filtered, "open recall")


def test_the_fleet_dashboard_filters_cars_with_an_open_recall(garage, client_for):
    fleet = FleetFactory(garages=[garage])
    manager = manager_of(fleet)
    with_recall = fleet_car(fleet, garage=garage)
    fleet_car(fleet, garage=garage)
    open_recall(with_recall)
    dashboard = reverse("fleet:dashboard", kwargs={"fleet_id": fleet.pk})

    filtered = client_for(manager).get(dashboard + "?open_recall=on", **EN)

    assert [p.pk for p in filtered.context["page"].passports] == [with_recall.pk]
    assertContains(filtered, "open recall")


def test_the_fleet_manager_sees_an_open_recall_on_the_fleet_car_page_while_the_car_is_theirs(
    garage, client_for
):
    """The fleet's drivers drive the car: its open recall is the fleet's business until the car
    leaves the fleet; then the page shows only the fleet's own period, without today's recalls."""
    fleet = FleetFactory(garages=[garage])
    manager = manager_of(fleet)
    car = fleet_car(fleet, garage=garage)
    open_recall(car)
    page = reverse("fleet:car", kwargs={"fleet_id": fleet.pk, "plate": car.plate})
    client = client_for(manager)

    assertContains(client.get(page, **EN), "Open recall TEST01")
    unlink(car)
    assertNotContains(client.get(page, **EN), "Open recall TEST01")


def test_recall_and_defect_rows_go_with_the_passport(db):
    car = PassportFactory()
    open_recall(car)
    ApkDefect.objects.create(passport=car, reported_on=timezone.localdate(), code="AC1")
    car.delete()
    assert not PassportRecall.objects.exists()
    assert not ApkDefect.objects.exists()
