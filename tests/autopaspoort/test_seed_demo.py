import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import override_settings

from autopaspoort import selectors
from autopaspoort.models import HistoryEntry, Passport, StatusCheck, StatusCheckItem
from garage.models import Garage
from tests.helpers import queued_work

pytestmark = pytest.mark.django_db

DEMO_PLATES = {"GJ-555-K", "12-ZTX-3", "K-123-HB"}  # the garage's stock
OWNER_PLATE = "HN-482-T"  # the demo owner's car


def seed():
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=io.StringIO())


def test_seed_demo_creates_three_stock_cars_with_checks_and_history():
    seed()

    garage = Garage.objects.get(name="Garage Demo")
    passports = {
        p.plate: p for p in Passport.objects.filter(garage=garage).exclude(plate=OWNER_PLATE)
    }
    assert set(passports) == DEMO_PLATES
    assert all(p.is_stock and p.owner == garage.account_user for p in passports.values())
    golf = passports["GJ-555-K"]
    assert golf.make == "VOLKSWAGEN"
    assert golf.latest_check is not None
    assert golf.latest_check.performed_by.email == "monteur@example.com"
    assert golf.history.count() == 2
    assert golf.odometer_logical is True
    costs = selectors.check_costs(list(golf.latest_check.items.all()))
    assert costs.expected == Decimal("34.95")  # the planned delivery work is the garage's
    assert costs.delivery == Decimal("425.50")
    assert passports["12-ZTX-3"].history.count() == 1
    assert passports["K-123-HB"].latest_check is None


def test_seed_demo_is_idempotent():
    seed()
    counts = [
        model.objects.count() for model in (Passport, StatusCheck, StatusCheckItem, HistoryEntry)
    ]
    seed()

    assert [
        model.objects.count() for model in (Passport, StatusCheck, StatusCheckItem, HistoryEntry)
    ] == counts
    # The demo garage's 4 cars, and the demo network's 54 (3 garages x 2 models x 9 cars,
    # each with a check of 6 items and 4 services).
    assert counts == [4 + 54, 3 + 54, 7 + 54 * 6, 3 + 54 * 4]


def test_seed_demo_enqueues_no_rdw_lookups(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        seed()

    # What is queued: the demo photos' thumbnails (photos.tasks) and the demo owner's emails
    # (activation, the check report, the quote) and the demo garage's invoice, never an RDW
    # lookup.
    tasks = sorted(callback.args[0].name for callback in queued_work(callbacks))
    assert (
        tasks
        == ["notifications.tasks.deliver_notification"] * 4
        + ["photos.tasks.make_photo_versions"] * 5
    )


def test_seed_demo_shows_rdw_data_a_recall_and_an_apk_defect_offline(client_for):
    from django.urls import reverse

    from autopaspoort.models import ApkDefect, PassportRecall

    seed()
    seed()  # idempotent

    golf = Passport.objects.get(plate="GJ-555-K")
    assert all(p.rdw_checked_at for p in Passport.objects.filter(plate__in=DEMO_PLATES))
    assert PassportRecall.objects.get(passport=golf).is_open
    assert ApkDefect.objects.filter(passport=golf).count() == 1
    page = client_for(golf.garage.account_user).get(
        reverse("autopaspoort:profile", kwargs={"garage_id": golf.garage_id, "plate": golf.plate}),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "RDW data checked on" in page.content.decode()
    assert "Open recall DEMO240412" in page.content.decode()
    assert "Band(en) onvoldoende profieldiepte" in page.content.decode()


def test_seed_demo_adds_photos_to_the_demo_checks(settings, tmp_path):
    from photos.models import CheckPhoto

    settings.MEDIA_ROOT = str(tmp_path)
    seed()

    golf = Passport.objects.get(plate="GJ-555-K")
    photos = CheckPhoto.objects.filter(status_check=golf.latest_check)
    assert {photo.kind for photo in photos} == {"sides", "item"}
    assert all(photo.original.storage.exists(photo.original.name) for photo in photos)
    assert not CheckPhoto.objects.filter(status_check__passport__plate="K-123-HB").exists()


def test_seed_demo_gives_the_demo_owner_a_checked_car_with_photos_and_a_sent_quote(client_for):
    from django.urls import reverse

    from accounts.models import User
    from photos.models import CheckPhoto
    from quotes.models import Quote

    seed()
    seed()

    owner = User.objects.get(email="eigenaar@example.com")
    car = Passport.objects.get(plate=OWNER_PLATE)
    assert car.owner == owner
    assert car.is_active
    assert CheckPhoto.objects.filter(status_check=car.latest_check).count() == 2
    quote = Quote.objects.get(passport=car)
    assert quote.state == Quote.State.SENT
    assert quote.owner == owner
    assert quote.total_incl == Decimal("630.50")
    page = client_for(owner).get(
        reverse("portal:quote", kwargs={"plate": car.plate, "quote_id": quote.pk})
    )
    assert page.status_code == 200


def test_seed_demo_publishes_network_figures_for_the_demo_cars():
    from django.utils import timezone

    from network.selectors import expectation_for

    seed()

    for plate in ("GJ-555-K", OWNER_PLATE):
        expectation = expectation_for(Passport.objects.get(plate=plate), today=timezone.localdate())
        assert expectation.cost is not None
        assert expectation.cost.level == "model"
        assert expectation.cost.cars >= 20
        assert expectation.interval is not None


def test_seed_demo_shows_an_estimate_and_a_closed_month_with_its_invoice(client_for):
    from django.urls import reverse

    from billing.models import Invoice, Statement

    seed()
    seed()  # a second run closes nothing twice
    garage = Garage.objects.get(name="Garage Demo")
    statement = Statement.objects.get(garage=garage)
    invoice = Invoice.objects.get(statement=statement)
    assert statement.total > 0
    client = client_for(garage.account_user)
    page = client.get(
        reverse("billing:usage", kwargs={"garage_id": garage.pk}), HTTP_ACCEPT_LANGUAGE="nl"
    )
    assert page.context["estimate"].priced is not None
    assert [s.pk for s in page.context["statements"]] == [statement.pk]
    pdf = client.get(invoice.get_absolute_url())
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
