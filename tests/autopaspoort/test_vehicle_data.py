"""Vehicle data that stays true: the garage's corrections, the RDW's values and APK entries,
across the entry points that write them (the vehicle page, the history form, the GMS API and the
RDW refresh's `vehicle_data_apply_rdw`)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from autopaspoort import vehicle_data
from autopaspoort.models import HistoryEntry, Passport, VehicleDataChange
from core.errors import ApplicationError
from tests.autopaspoort.factories import PassportFactory
from tests.transfers.factories import customer_passport, portal_car_url, submit

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
Source = VehicleDataChange.Source


def url(name, passport, **kwargs):
    return reverse(
        name, kwargs={"garage_id": passport.garage_id, "plate": passport.plate, **kwargs}
    )


def apply_rdw(passport, **values):
    with transaction.atomic():
        locked = Passport.objects.select_for_update().get(pk=passport.pk)
        changed = vehicle_data.vehicle_data_apply_rdw(
            passport=locked, values=values, checked_at=timezone.now()
        )
    passport.refresh_from_db()
    return changed


@pytest.fixture
def car(garage):
    return PassportFactory(
        garage=garage,
        make="VOLKSWAGEN",
        model="GOLF",
        colour="GRIJS",
        fuel="Benzine",
        first_admission=date(2018, 3, 1),
        apk_expires=date(2027, 3, 1),
        rdw_status=Passport.RdwStatus.FOUND,
    )


def edit_post(client, passport, **changes):
    """Post the vehicle page as a browser would: the shown values, with `changes` typed over."""
    page = client.get(url("autopaspoort:vehicle_edit", passport))
    data = submit(page, button=("save", "1"), changes=changes)
    return client.post(url("autopaspoort:vehicle_edit", passport), data, **EN)


# --- The garage corrects by hand ---------------------------------------------------------------


def test_sales_corrects_the_colour_and_the_change_is_recorded_with_before_and_after(
    car, sales, client_for
):
    client = client_for(sales)
    response = edit_post(client, car, colour="ROOD", vin="wvw zzz1jzxw000001")

    assert response.status_code == 302
    car.refresh_from_db()
    assert (car.colour, car.vin) == ("ROOD", "WVWZZZ1JZXW000001")
    assert car.vehicle_sources == {"colour": "garage"}  # the VIN is never the RDW's
    changes = {c.field: c for c in VehicleDataChange.objects.filter(passport=car)}
    assert set(changes) == {"colour", "vin"}
    assert (changes["colour"].before, changes["colour"].after) == ("GRIJS", "ROOD")
    assert changes["colour"].changed_by == sales
    assert changes["colour"].source == Source.GARAGE
    page = client.get(url("autopaspoort:vehicle_edit", car), **EN)
    assertContains(page, "Corrected by the garage")
    assertContains(page, "GRIJS")  # the history shows the value before


def test_a_bad_vin_and_a_future_first_admission_are_refused_beside_their_fields(
    car, sales, client_for
):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = edit_post(
        client_for(sales), car, vin="WVWZZZ1JZXO000001", first_admission=tomorrow, colour="ROOD"
    )

    assert response.status_code == 200
    assert "I, O or Q" in " ".join(response.context["form"].errors["vin"])
    assert response.context["form"].errors["first_admission"]
    car.refresh_from_db()
    assert car.colour == "GRIJS"  # nothing half-written
    assert not VehicleDataChange.objects.exists()


def test_a_colleagues_correction_made_meanwhile_is_not_overwritten(
    car, sales, garage_admin, client_for
):
    """Both opened the page showing GRIJS; the admin saves ROOD; sales then changes only the
    model. The colour stays ROOD: only the fields a user changed are saved."""
    stale = client_for(sales).get(url("autopaspoort:vehicle_edit", car))
    edit_post(client_for(garage_admin), car, colour="ROOD")
    data = submit(stale, button=("save", "1"), changes={"model": "GOLF VARIANT"})
    client_for(sales).post(url("autopaspoort:vehicle_edit", car), data)

    car.refresh_from_db()
    assert (car.colour, car.model) == ("ROOD", "GOLF VARIANT")


def test_a_mechanic_and_another_garage_cannot_edit_vehicle_data(
    car, mechanic, other_garage_staff, client_for
):
    assert client_for(mechanic).get(url("autopaspoort:vehicle_edit", car)).status_code == 403
    assert (
        client_for(other_garage_staff).get(url("autopaspoort:vehicle_edit", car)).status_code == 404
    )
    with pytest.raises(PermissionDenied):
        vehicle_data.vehicle_data_update(passport=car, actor=mechanic, changes={"colour": "X"})
    car.refresh_from_db()
    assert car.colour == "GRIJS"


def test_the_profile_links_the_vehicle_page_for_admin_and_sales_only(
    car, sales, mechanic, client_for
):
    link = url("autopaspoort:vehicle_edit", car)
    assertContains(client_for(sales).get(car.get_absolute_url()), link)
    assertNotContains(client_for(mechanic).get(car.get_absolute_url()), link)


# --- The RDW refresh beside the corrections --------------------------------------------------


def test_the_rdw_writes_fields_the_garage_did_not_correct(car):
    changed = apply_rdw(car, colour="BLAUW", apk_expires=date(2028, 3, 1), make="")

    assert sorted(changed) == ["apk_expires", "colour"]
    assert (car.colour, car.apk_expires, car.make) == ("BLAUW", date(2028, 3, 1), "VOLKSWAGEN")
    assert car.rdw_checked_at is not None
    audit = VehicleDataChange.objects.get(passport=car, field="colour")
    assert (audit.before, audit.after, audit.source, audit.changed_by) == (
        "GRIJS",
        "BLAUW",
        "rdw",
        None,
    )


def test_a_hand_correction_is_never_overwritten_and_the_garage_chooses(car, sales, client_for):
    vehicle_data.vehicle_data_update(passport=car, actor=sales, changes={"colour": "ROOD"})
    apply_rdw(car, colour="BLAUW")
    assert car.colour == "ROOD"

    client = client_for(sales)
    assertContains(client.get(car.get_absolute_url(), **EN), "The RDW gives another value")
    page = client.get(url("autopaspoort:vehicle_edit", car), **EN)
    assertContains(page, "The RDW says otherwise")
    assertContains(page, "BLAUW")

    client.post(url("autopaspoort:vehicle_choose", car), {"field": "colour", "choice": "rdw"})
    car.refresh_from_db()
    assert car.colour == "BLAUW"
    assert car.vehicle_sources == {}
    assert car.rdw_disagreements == {}
    assert VehicleDataChange.objects.filter(source=Source.RDW_CHOSEN, changed_by=sales).count() == 1
    # The field is the RDW's again: the next refresh writes it.
    apply_rdw(car, colour="ZWART")
    assert car.colour == "ZWART"


def test_keeping_ones_own_value_is_not_asked_again_until_the_rdw_says_something_new(car, sales):
    vehicle_data.vehicle_data_update(passport=car, actor=sales, changes={"colour": "ROOD"})
    apply_rdw(car, colour="BLAUW")
    vehicle_data.vehicle_data_choose(passport=car, actor=sales, field="colour", take_rdw=False)
    car.refresh_from_db()
    assert vehicle_data.open_disagreements(car) == []

    apply_rdw(car, colour="BLAUW")
    assert vehicle_data.open_disagreements(car) == []
    apply_rdw(car, colour="GROEN")
    assert [d.rdw for d in vehicle_data.open_disagreements(car)] == ["GROEN"]
    assert car.colour == "ROOD"


def test_the_rdw_confirming_a_correction_hands_the_field_back(car, sales):
    vehicle_data.vehicle_data_update(passport=car, actor=sales, changes={"colour": "ROOD"})
    apply_rdw(car, colour="ROOD")
    assert car.vehicle_sources == {}
    assert vehicle_data.field_source(car, "colour") == "rdw"


def test_choosing_twice_is_refused_with_a_message(car, sales):
    vehicle_data.vehicle_data_update(passport=car, actor=sales, changes={"colour": "ROOD"})
    apply_rdw(car, colour="BLAUW")
    vehicle_data.vehicle_data_choose(passport=car, actor=sales, field="colour", take_rdw=True)
    with pytest.raises(ApplicationError):
        vehicle_data.vehicle_data_choose(passport=car, actor=sales, field="colour", take_rdw=True)


# --- An APK entry reports the new expiry ----------------------------------------------------


def test_an_apk_entry_with_a_new_expiry_updates_the_passport_until_the_rdw_confirms(
    car, mechanic, client_for, owner
):
    client = client_for(mechanic)
    today = timezone.localdate()
    new_expiry = today.replace(year=today.year + 1)
    response = client.post(
        url("autopaspoort:history_create", car),
        {
            "kind": HistoryEntry.Kind.APK,
            "date": today.isoformat(),
            "odometer_km": "50000",
            "description": "APK goedgekeurd",
            "cost": "45",
            "apk_expires": new_expiry.isoformat(),
        },
    )
    assert response.status_code == 302
    car.refresh_from_db()
    assert car.apk_expires == new_expiry
    assert car.apk_reported_by_garage
    assertContains(client.get(car.get_absolute_url(), **EN), "reported by the garage")

    # The RDW has not processed it yet: its older date does not undo the garage's report.
    apply_rdw(car, apk_expires=date(2027, 3, 1))
    assert car.apk_expires == new_expiry
    assert car.apk_reported_by_garage
    # The RDW shows the new date: confirmed.
    apply_rdw(car, apk_expires=new_expiry)
    assert car.apk_expires == new_expiry
    assert not car.apk_reported_by_garage


def test_only_an_apk_entry_sets_the_expiry_and_only_after_its_date(car, mechanic, client_for):
    client = client_for(mechanic)
    today = timezone.localdate()
    base = {
        "date": today.isoformat(),
        "odometer_km": "50000",
        "description": "Kleine beurt",
        "cost": "0",
    }
    response = client.post(
        url("autopaspoort:history_create", car),
        {
            **base,
            "kind": HistoryEntry.Kind.SMALL_SERVICE,
            "apk_expires": (today + timedelta(days=300)).isoformat(),
        },
        **EN,
    )
    assert "Only an APK entry" in " ".join(response.context["form"].errors["apk_expires"])
    response = client.post(
        url("autopaspoort:history_create", car),
        {**base, "kind": HistoryEntry.Kind.APK, "apk_expires": today.isoformat()},
        **EN,
    )
    assert response.context["form"].errors["apk_expires"]
    assert not HistoryEntry.objects.filter(passport=car).exists()
    car.refresh_from_db()
    assert car.apk_expires == date(2027, 3, 1)


def test_the_owner_sees_the_reported_apk_expiry_marked(garage, owner, mechanic, client_for):
    car = customer_passport(garage, owner, apk_expires=date(2027, 3, 1))
    today = timezone.localdate()
    from autopaspoort.services import history_entry_add

    history_entry_add(
        passport=car,
        actor=mechanic,
        kind=HistoryEntry.Kind.APK,
        on=today,
        odometer_km=60000,
        description="APK",
        apk_expires=today.replace(year=today.year + 1),
    )
    assertContains(client_for(owner).get(portal_car_url(car), **EN), "reported by the garage")


def test_a_date_the_rdw_disagrees_on_is_shown_as_a_date_in_the_readers_language(
    car, sales, client_for
):
    vehicle_data.vehicle_data_update(
        passport=car, actor=sales, changes={"first_admission": date(2018, 4, 1)}
    )
    apply_rdw(car, first_admission=date(2018, 3, 1))

    page = client_for(sales).get(url("autopaspoort:vehicle_edit", car), HTTP_ACCEPT_LANGUAGE="nl")
    assertContains(page, "<q>1 april 2018</q>", html=False)
    assertContains(page, "<q>1 maart 2018</q>", html=False)
