from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.urls import NoReverseMatch, get_resolver, reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from autopaspoort import rdw
from autopaspoort.forms import checklist_initial
from autopaspoort.models import HistoryEntry, Passport, StatusCheck, StatusCheckItem
from tests.accounts.factories import UserFactory
from tests.autopaspoort.factories import (
    Component,
    PassportFactory,
    Rating,
    item,
    record_check,
)
from tests.helpers import queued_work
from tests.transfers.factories import customer_passport, page_forms, portal_car_url, transfer

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {"HTTP_HX_REQUEST": "true"}
RDW_SWITCHED_OFF = "Looking up vehicle data at the RDW is switched off."
CLOSE_QUESTION_EN = (
    "This plate is linked to your garage account as a stock car. Transfer it to a customer?"
)
CLOSE_QUESTION_NL = (
    "Dit kenteken is als voorraadauto gekoppeld aan uw garageaccount. "
    "Wilt u het overschrijven naar een klant?"
)


def garage_url(name, garage, **kwargs):
    return reverse(name, kwargs={"garage_id": garage.pk, **kwargs})


def passport_url(name, passport, plate=None, **kwargs):
    return reverse(
        name,
        kwargs={"garage_id": passport.garage_id, "plate": plate or passport.plate, **kwargs},
    )


def create_data(garage, **changes):
    """The create form as a person fills it in for a stock car, without vehicle data."""
    data = {
        "plate": "gj-555-k",
        "owner_email": garage.email,
        "owner_name": "Garage A",
        "owner_street": "",
        "owner_house_number": "",
        "owner_postcode": "",
        "owner_city": "",
        "owner_phone": "",
        "driver_name": "",
        "driver_email": "",
        "driver_phone": "",
        "odometer_km": "84250",
        "make": "",
        "model": "",
        "colour": "",
        "fuel": "",
        "first_admission": "",
        "apk_expires": "",
    }
    data.update(changes)
    return data


def check_data(odometer_km, *, rows=None, free=(), **fields):
    """The status check form as posted: every standard row rated OK unless `rows` (component ->
    field values) says otherwise, then the free rows (`free`: field values per row). Amounts in
    Dutch notation, as the default language expects them."""
    initial = checklist_initial()
    data = {
        "odometer_km": str(odometer_km),
        "odometer_correction_reason": "",
        "notes": "",
        "items-TOTAL_FORMS": str(len(initial)),
        "items-INITIAL_FORMS": str(len(initial)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        **fields,
    }
    free_rows = iter(free)
    for index, row in enumerate(initial):
        values = {
            "component": row["component"],
            "description": "",
            "rating": row.get("rating", ""),
            "tread_depth_mm": "",
            "estimated_cost": "",
            "note": "",
        }
        if row["component"] == Component.OTHER:
            values.update(next(free_rows, {}))
        else:
            values.update((rows or {}).get(row["component"], {}))
        if values.pop("fix_before_delivery", False):
            values["fix_before_delivery"] = "on"
        data.update({f"items-{index}-{name}": value for name, value in values.items()})
    return data


def message_texts(response, level=None):
    return [
        str(message)
        for message in get_messages(response.wsgi_request)
        if level is None or message.level == level
    ]


# --- Creating -----------------------------------------------------------------------------------


def test_create_page_offers_the_garage_account_email_as_owner_email(
    client_for, garage, garage_admin
):
    response = client_for(garage_admin).get(garage_url("autopaspoort:create", garage))

    assert response.status_code == 200
    assert response.context["form"]["owner_email"].value() == "garage-a@example.nl"


def test_creating_redirects_to_the_profile_of_the_canonical_plate(client_for, garage, sales):
    response = client_for(sales).post(
        garage_url("autopaspoort:create", garage),
        create_data(garage, plate="gj-555-k", owner_email="GARAGE-A@Example.nl"),
    )

    passport = Passport.objects.get()
    assert passport.plate == "GJ-555-K"
    assertRedirects(
        response,
        garage_url("autopaspoort:profile", garage, plate="GJ-555-K"),
        fetch_redirect_response=False,
    )
    assert passport.is_stock
    assert passport.owner == garage.account_user
    assert passport.activated_at is not None
    assert passport.created_by == sales
    assert passport.odometer_km == 84_250


def test_creating_for_a_customer_email_leads_to_the_transfer_form_with_the_details(
    client_for, garage, garage_admin
):
    """A passport for a customer is handed over like every sold car: created as stock, then
    the transfer form (prefilled with what was typed) asks to check and confirm."""
    client = client_for(garage_admin)
    response = client.post(
        garage_url("autopaspoort:create", garage),
        create_data(garage, owner_email="Klant@Example.nl", owner_name="Karin Klant"),
    )

    passport = Passport.objects.get()
    assert passport.is_stock
    transfer_url = passport_url("transfers:start", passport)
    assert response.status_code == 302
    assert response["Location"] == transfer_url
    form = client.get(transfer_url).context["form"]
    assert form["email"].value() == "klant@example.nl"
    assert form["name"].value() == "Karin Klant"


@pytest.mark.parametrize(
    ("plate", "letters"), [("KA-12-BD", "A"), ("GC-555-K", "C"), ("BF-12-SD", "SD")]
)
def test_an_unusual_plate_is_a_warning_not_a_refusal(
    client_for, garage, garage_admin, plate, letters
):
    response = client_for(garage_admin, **EN).post(
        garage_url("autopaspoort:create", garage), create_data(garage, plate=plate.lower())
    )

    assert response.status_code == 302
    assert Passport.objects.get().plate == plate
    [warning] = message_texts(response, message_levels.WARNING)
    assert warning.startswith(f"Unusual plate: {plate} contains")
    assert letters in warning


@pytest.mark.parametrize(
    ("plate", "message"),
    [
        ("AA-12-34", "Royal House"),
        ("CD-12-34", "diplomatic"),
        ("GJ-55", "6 letters and digits"),
        ("GJ-5555-K", "6 letters and digits"),
        ("ÉJ-55-55", "A–Z"),
        ("1-2-3-4-5-6", "not a Dutch licence plate layout"),
    ],
)
def test_special_and_invalid_plates_are_a_field_error(
    client_for, garage, garage_admin, plate, message
):
    response = client_for(garage_admin, **EN).post(
        garage_url("autopaspoort:create", garage), create_data(garage, plate=plate)
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["plate"]
    assert message in errors["plate"][0]
    assert not Passport.objects.exists()


def test_a_plate_this_garage_already_has_is_a_field_error(client_for, garage, garage_admin):
    PassportFactory(garage=garage, plate="GJ-555-K")

    response = client_for(garage_admin, **EN).post(
        garage_url("autopaspoort:create", garage), create_data(garage, plate="gj555k")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["plate"] == [
        "Your garage already has an AutoPaspoort for GJ-555-K."
    ]
    assert Passport.objects.count() == 1


def test_a_plate_another_garage_has_is_a_field_error_with_another_message(
    client_for, garage, garage_admin, other_garage
):
    PassportFactory(garage=other_garage, plate="GJ-555-K")

    response = client_for(garage_admin, **EN).post(
        garage_url("autopaspoort:create", garage), create_data(garage, plate="GJ 555 K")
    )

    assert response.status_code == 200
    [error] = response.context["form"].errors["plate"]
    assert error.startswith("GJ-555-K already has an AutoPaspoort with another garage or owner.")
    assert Passport.objects.get().garage == other_garage


def test_creating_without_vehicle_data_enqueues_the_rdw_lookup_on_commit(
    client_for, garage, garage_admin, django_capture_on_commit_callbacks
):
    client = client_for(garage_admin)

    with django_capture_on_commit_callbacks() as without_data:
        client.post(garage_url("autopaspoort:create", garage), create_data(garage))
    with django_capture_on_commit_callbacks() as with_data:
        client.post(
            garage_url("autopaspoort:create", garage),
            create_data(garage, plate="GJ-556-K", make="VOLKSWAGEN", model="GOLF"),
        )

    assert Passport.objects.count() == 2
    assert len(queued_work(without_data)) == 1
    assert queued_work(with_data) == []
    assert Passport.objects.get(plate="GJ-556-K").model == "GOLF"


# --- Vehicle lookup -----------------------------------------------------------------------------


def test_lookup_button_without_javascript_says_why_when_the_rdw_is_switched_off(
    client_for, garage, garage_admin
):
    response = client_for(garage_admin, **EN).post(
        garage_url("autopaspoort:create", garage),
        {"plate": "gj5555", "owner_email": garage.email, "lookup": "1"},
    )

    assert response.status_code == 200
    assertContains(response, RDW_SWITCHED_OFF)
    assert response.context["lookup"].status == rdw.DISABLED
    assert not response.context["form"].errors, "a lookup is not a submit"
    assert not Passport.objects.exists()


def test_lookup_button_without_javascript_fills_the_vehicle_data(
    client_for, garage, garage_admin, rdw_server
):
    response = client_for(garage_admin).post(
        garage_url("autopaspoort:create", garage),
        {"plate": "gj-55-55", "owner_email": garage.email, "lookup": "1", "colour": "ZWART"},
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form["make"].value() == "VOLKSWAGEN"
    assert form["model"].value() == "GOLF"
    assert form["colour"].value() == "ZWART", "typed data is not overwritten"
    assertContains(response, 'value="VOLKSWAGEN"')
    assert not Passport.objects.exists()


def test_a_passport_created_after_a_lookup_keeps_the_rdws_odometer_judgement(
    client_for, garage, garage_admin, rdw_server, django_capture_on_commit_callbacks
):
    """The form shows make, model, colour, fuel and dates from the RDW, but not its odometer
    judgement; the passport must still get it (with the form or by the enrichment task)."""
    client = client_for(garage_admin)
    url = garage_url("autopaspoort:create", garage)
    looked_up = client.post(url, create_data(garage, plate="gj-55-55", lookup="1"))
    form = looked_up.context["form"]
    # What the browser sends back: every field of the page, the hidden RDW ones included.
    filled = {name: form[name].value() or "" for name in form.fields}

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, filled)

    assert response.status_code == 302
    passport = Passport.objects.get()
    assert (passport.make, passport.model) == ("VOLKSWAGEN", "GOLF")
    assert passport.rdw_odometer_judgement == "Logisch"


def test_htmx_lookup_says_why_when_the_rdw_is_switched_off(client_for, garage, garage_admin):
    response = client_for(garage_admin, **EN).get(
        garage_url("autopaspoort:vehicle_lookup", garage), {"plate": "gj5555"}, **HTMX
    )

    assert response.status_code == 200
    assertContains(response, 'id="vehicle-fields"')
    assertContains(response, RDW_SWITCHED_OFF)
    assertNotContains(response, "<html")


def test_htmx_lookup_fills_make_and_model_of_a_found_plate(
    client_for, garage, garage_admin, rdw_server
):
    response = client_for(garage_admin).get(
        garage_url("autopaspoort:vehicle_lookup", garage),
        # the data an earlier lookup filled in for a plate typed before
        {"plate": "GJ5555", "make": "TOYOTA", "rdw_filled": "make=TOYOTA"},
        **HTMX,
    )

    assert response.status_code == 200
    assertContains(response, 'value="VOLKSWAGEN"')
    assertContains(response, 'value="GOLF"')
    assertNotContains(response, "TOYOTA")


def test_htmx_lookup_keeps_what_the_user_typed(client_for, garage, garage_admin, rdw_server):
    """Walkthrough defect: typing a plate wiped make, model and colour already typed."""
    response = client_for(garage_admin).get(
        garage_url("autopaspoort:vehicle_lookup", garage),
        {"plate": "GJ5555", "make": "VW", "colour": "ZWART", "rdw_filled": ""},
        **HTMX,
    )

    form = response.context["form"]
    assert form["make"].value() == "VW", "typed data is not overwritten"
    assert form["colour"].value() == "ZWART"
    assert form["model"].value() == "GOLF", "an empty field is filled"


@pytest.mark.parametrize("plate", ["XB-001-B", "gj5555"])  # unknown; the RDW switched off
def test_htmx_lookup_that_finds_nothing_keeps_every_value(
    client_for, garage, garage_admin, rdw_server, plate, settings
):
    if plate == "gj5555":
        settings.RDW_LOOKUP_ENABLED = False
    typed = {"make": "VW", "model": "Golf", "colour": "ZWART", "first_admission": "2019-03-01"}

    response = client_for(garage_admin).get(
        garage_url("autopaspoort:vehicle_lookup", garage), {"plate": plate, **typed}, **HTMX
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert {name: form[name].value() for name in typed} == typed


def test_lookup_button_that_finds_nothing_keeps_every_value(
    client_for, garage, garage_admin, rdw_server
):
    typed = {"make": "VW", "model": "Golf", "colour": "ZWART"}

    response = client_for(garage_admin).post(
        garage_url("autopaspoort:create", garage),
        {"plate": "XB-001-B", "owner_email": garage.email, "lookup": "1", **typed},
    )

    form = response.context["form"]
    assert {name: form[name].value() for name in typed} == typed


def test_htmx_lookup_of_a_plate_unknown_to_the_rdw_says_so(
    client_for, garage, garage_admin, rdw_server
):
    response = client_for(garage_admin, **EN).get(
        garage_url("autopaspoort:vehicle_lookup", garage), {"plate": "XB-001-B"}, **HTMX
    )

    assert response.status_code == 200
    assertContains(response, "The RDW does not know this plate.")


def test_htmx_lookup_shows_the_warning_of_an_unusual_plate(client_for, garage, garage_admin):
    response = client_for(garage_admin, **EN).get(
        garage_url("autopaspoort:vehicle_lookup", garage), {"plate": "ka12bd"}, **HTMX
    )

    assertContains(response, "Unusual plate: KA-12-BD")


@pytest.mark.parametrize("plate", ["", "gj5", "GJ-55-5", "AA-12-34", "GJ-55-55-5"])
def test_htmx_lookup_of_a_partial_or_invalid_plate_changes_nothing(
    client_for, garage, garage_admin, plate
):
    response = client_for(garage_admin).get(
        garage_url("autopaspoort:vehicle_lookup", garage), {"plate": plate}, **HTMX
    )

    assert response.status_code == 204
    assert response.content == b""


# --- Status checks ------------------------------------------------------------------------------


def test_check_form_has_the_standard_checklist_and_three_free_rows(client_for, mechanic, garage):
    passport = PassportFactory(garage=garage)

    response = client_for(mechanic).get(passport_url("autopaspoort:check_create", passport))

    assert response.status_code == 200
    forms = response.context["items"].forms
    assert len(forms) == 15
    assert [f.initial["component"] for f in forms[12:]] == [Component.OTHER] * 3
    assert {f.initial["component"] for f in forms[:12]} == set(Component.values) - {"other"}
    assertContains(response, 'name="items-TOTAL_FORMS" value="15"')
    assert response.context["form"]["odometer_km"].value() == passport.odometer_km


def test_a_mechanic_records_a_status_check(client_for, mechanic, garage):
    passport = PassportFactory(garage=garage, initial_odometer_km=50_000)

    response = client_for(mechanic).post(
        passport_url("autopaspoort:check_create", passport),
        check_data(
            51_200,
            rows={
                Component.TYRES_FRONT: {
                    "rating": "soon",
                    "tread_depth_mm": "2,5",
                    "estimated_cost": "240,00",
                },
                Component.BRAKES_REAR: {"rating": "now", "estimated_cost": "185,50"},
            },
            free=[{"description": "Trekhaak", "rating": "ok"}],
            notes="Proefrit gemaakt",
        ),
    )

    assertRedirects(response, passport.get_absolute_url(), fetch_redirect_response=False)
    check = StatusCheck.objects.get()
    passport.refresh_from_db()
    assert passport.latest_check == check
    assert passport.odometer_km == 51_200
    assert check.performed_by == mechanic
    assert check.notes == "Proefrit gemaakt"
    assert check.items.count() == 13  # 12 standard rows and 1 filled-in free row
    tyres = check.items.get(component=Component.TYRES_FRONT)
    assert (tyres.rating, tyres.tread_depth_mm, tyres.estimated_cost) == (
        Rating.SOON,
        Decimal("2.5"),
        Decimal("240.00"),
    )
    assert check.items.get(component=Component.OTHER).description == "Trekhaak"
    assert check.items.get(component=Component.LIGHTS).tread_depth_mm is None


@pytest.mark.parametrize(("who", "planned"), [("garage_admin", True), ("mechanic", False)])
def test_only_roles_that_plan_delivery_can_mark_it_in_the_check_form(
    request, client_for, garage, who, planned
):
    """Planning delivery is the garage's decision (roles.MARK_FOR_DELIVERY: admin and sales),
    also when the mechanic's check form has the column."""
    passport = PassportFactory(garage=garage)

    client_for(request.getfixturevalue(who)).post(
        passport_url("autopaspoort:check_create", passport),
        check_data(
            passport.odometer_km,
            rows={
                Component.BRAKES_REAR: {
                    "rating": "now",
                    "estimated_cost": "185,50",
                    "fix_before_delivery": True,
                },
            },
        ),
    )

    brakes = StatusCheck.objects.get().items.get(component=Component.BRAKES_REAR)
    assert brakes.fix_before_delivery is planned


def test_a_free_item_with_data_but_no_description_is_a_field_error(client_for, mechanic, garage):
    passport = PassportFactory(garage=garage)

    response = client_for(mechanic).post(
        passport_url("autopaspoort:check_create", passport),
        check_data(passport.odometer_km, free=[{}, {"rating": "now", "estimated_cost": "50"}]),
    )

    assert response.status_code == 200
    item_errors = response.context["items"].errors
    assert list(item_errors[13]) == ["description"]
    assert not any(item_errors[:13])
    assert not item_errors[14]
    assert not StatusCheck.objects.exists()


def test_a_standard_item_without_rating_is_a_field_error(client_for, mechanic, garage):
    passport = PassportFactory(garage=garage)

    response = client_for(mechanic).post(
        passport_url("autopaspoort:check_create", passport),
        check_data(passport.odometer_km, rows={Component.BATTERY: {"rating": ""}}),
    )

    assert response.status_code == 200
    assert any("rating" in errors for errors in response.context["items"].errors)
    assert not StatusCheck.objects.exists()


def test_a_check_with_a_lower_odometer_reading_needs_a_reason(client_for, mechanic, garage):
    passport = PassportFactory(garage=garage, initial_odometer_km=50_000)
    client = client_for(mechanic)
    url = passport_url("autopaspoort:check_create", passport)

    refused = client.post(url, check_data(45_000))
    accepted = client.post(url, check_data(45_000, odometer_correction_reason="Teller vervangen"))

    assert refused.status_code == 200
    assert list(refused.context["form"].errors) == ["odometer_km"]
    assert accepted.status_code == 302
    check = StatusCheck.objects.get()
    assert check.odometer_correction_reason == "Teller vervangen"
    passport.refresh_from_db()
    assert passport.odometer_logical is False


def test_a_sales_person_cannot_record_a_check(client_for, sales, garage):
    passport = PassportFactory(garage=garage)
    client = client_for(sales)
    url = passport_url("autopaspoort:check_create", passport)

    assert client.get(url).status_code == 403
    assert client.post(url, check_data(passport.odometer_km)).status_code == 403
    assert not StatusCheck.objects.exists()


def test_a_saved_check_has_no_edit_url():
    resolver = get_resolver().namespace_dict["autopaspoort"][1]
    names = {name for name in resolver.reverse_dict if isinstance(name, str)}

    assert names == {
        "create",
        "vehicle_lookup",
        "profile",
        "close",
        "details",
        "owner_edit",  # the owner's contact details, not a check
        "check_create",
        "check_detail",
        "history_create",
        "item_delivery",
        "handed_over",  # a car that moved on: garage A's read-only history
        "move_request",  # asking another garage's customer to move the car here
        "vehicle_edit",  # make, model, dates, VIN: the car's data, not a check
        "vehicle_choose",  # the garage's value or the RDW's, after a refresh disagreed
    }
    for name in ("check_edit", "check_update", "check_change", "check_delete"):
        with pytest.raises(NoReverseMatch):
            reverse(f"autopaspoort:{name}", kwargs={"garage_id": 1, "plate": "GJ-55-55"})


def test_posting_to_a_saved_check_does_not_change_it(client_for, garage_admin, garage):
    passport = PassportFactory(garage=garage)
    check = record_check(passport, items=[item(rating=Rating.NOW, cost="10")])
    url = passport_url("autopaspoort:check_detail", passport, check_id=check.pk)

    response = client_for(garage_admin).post(url, check_data(1, notes="changed"))

    # The page takes only photos (a `target` and files); a check's own fields are refused.
    assert response.status_code == 400
    check.refresh_from_db()
    assert check.notes == ""
    assert list(check.items.values_list("rating", flat=True)) == [Rating.NOW]


def test_a_correcting_check_is_new_and_the_original_stays(client_for, mechanic, garage):
    passport = PassportFactory(garage=garage)
    original = record_check(
        passport, odometer_km=50_000, items=[item(Component.BRAKES_REAR, Rating.NOW, "185.50")]
    )
    client = client_for(mechanic, **EN)
    url = passport_url("autopaspoort:check_create", passport) + f"?corrects={original.pk}"

    page = client.get(url)
    response = client.post(url, check_data(50_000, notes="Remmen waren toch goed"))

    assert page.context["corrects"] == original
    assertContains(page, "This check corrects the check of")
    assert response.status_code == 302
    correction = StatusCheck.objects.exclude(pk=original.pk).get()
    assert correction.corrects == original
    original.refresh_from_db()
    assert original.corrects is None
    assert original.notes == ""
    assert list(original.items.values_list("component", "rating", "estimated_cost")) == [
        (Component.BRAKES_REAR, Rating.NOW, Decimal("185.50"))
    ]
    passport.refresh_from_db()
    assert passport.latest_check == correction
    detail = client.get(passport_url("autopaspoort:check_detail", passport, check_id=correction.pk))
    assertContains(
        detail, passport_url("autopaspoort:check_detail", passport, check_id=original.pk)
    )


def test_a_correction_starts_as_a_copy_of_the_check_it_corrects(client_for, mechanic, garage):
    """Walkthrough defect: "Correct with a new status check" started empty."""
    passport = PassportFactory(garage=garage)
    original = record_check(
        passport,
        odometer_km=50_000,
        notes="Remmen achter slijten",
        items=[
            item(Component.BRAKES_REAR, Rating.NOW, "185.50", note="schijven"),
            item(Component.TYRES_FRONT, Rating.SOON, "240.00", tread_depth_mm=Decimal("2.5")),
            item(Component.LIGHTS),
            item(Component.OTHER, Rating.SOON, "35.00", description="Trekhaak"),
        ],
    )
    client = client_for(mechanic, **EN)
    url = passport_url("autopaspoort:check_create", passport) + f"?corrects={original.pk}"

    page = client.get(url)

    form = page.context["form"]
    assert form["odometer_km"].value() == 50_000
    assert form["notes"].value() == "Remmen achter slijten"
    rows = {
        row["component"].value()
        if row["component"].value() != Component.OTHER
        else row["description"].value(): row
        for row in page.context["items"]
    }
    assert rows[Component.BRAKES_REAR]["rating"].value() == Rating.NOW
    assert rows[Component.BRAKES_REAR]["estimated_cost"].value() == Decimal("185.50")
    assert rows[Component.BRAKES_REAR]["note"].value() == "schijven"
    assert rows[Component.TYRES_FRONT]["tread_depth_mm"].value() == Decimal("2.5")
    assert rows["Trekhaak"]["rating"].value() == Rating.SOON

    # Saved unchanged, the correction says what the original said.
    (check_form,) = [f for f in page_forms(page) if f["fields"].get("items-TOTAL_FORMS")]
    response = client.post(url, {**check_form["fields"], "notes": form["notes"].value()})
    assert response.status_code == 302
    correction = StatusCheck.objects.exclude(pk=original.pk).get()
    fields = ("component", "description", "rating", "estimated_cost", "note", "tread_depth_mm")
    copied = set(correction.items.values_list(*fields))
    assert set(original.items.values_list(*fields)) <= copied
    assert correction.notes == "Remmen achter slijten"
    assert correction.odometer_km == 50_000


def test_correcting_a_mistyped_odometer_reading_needs_a_reason_like_any_lower_reading(
    client_for, mechanic, garage
):
    """A check is corrected by a new check (it is never edited). The mistyped reading was
    recorded, so the correction is judged against it like any other reading (issue 14, item 4):
    lowering it needs a reason and the series says so. Later readings are judged against the
    corrected series."""
    passport = PassportFactory(garage=garage, initial_odometer_km=50_000)
    typo = record_check(passport, actor=mechanic, odometer_km=500_500)  # 50.500 meant
    url = passport_url("autopaspoort:check_create", passport) + f"?corrects={typo.pk}"

    refused = client_for(mechanic).post(url, check_data(50_500))
    accepted = client_for(mechanic).post(
        url, check_data(50_500, odometer_correction_reason="Tikfout: 50.500 bedoeld")
    )

    assert list(refused.context["form"].errors) == ["odometer_km"]
    assert accepted.status_code == 302
    passport.refresh_from_db()
    assert passport.odometer_km == 50_500
    assert passport.odometer_logical is False
    later = client_for(mechanic).post(
        passport_url("autopaspoort:check_create", passport), check_data(51_000)
    )
    assert later.status_code == 302


def test_a_correction_cannot_roll_the_odometer_back_unseen(client_for, mechanic, garage):
    """A check at 120,000 km, then "correct with a new check" at 60,000 km: refused without a
    reason; with one, saved, the series is "not logical", and the garage's and the owner's
    timelines show it as a correction with its reason."""
    owner = UserFactory(full_name="Eigenaar Teller")
    passport = customer_passport(garage, owner)
    real = record_check(passport, actor=mechanic, odometer_km=120_000)
    url = passport_url("autopaspoort:check_create", passport) + f"?corrects={real.pk}"

    refused = client_for(mechanic, **EN).post(url, check_data(60_000))

    assert refused.status_code == 200
    assert list(refused.context["form"].errors) == ["odometer_km"]
    assert StatusCheck.objects.filter(passport=passport).count() == 1
    passport.refresh_from_db()
    assert (passport.odometer_km, passport.odometer_logical) == (120_000, True)

    accepted = client_for(mechanic, **EN).post(
        url, check_data(60_000, odometer_correction_reason="Teller vervangen")
    )
    assert accepted.status_code == 302
    passport.refresh_from_db()
    assert (passport.odometer_km, passport.odometer_logical) == (60_000, False)
    for page in (
        client_for(mechanic, **EN).get(passport.get_absolute_url()),
        client_for(owner, **EN).get(portal_car_url(passport)),
    ):
        assertContains(page, "Correction of the check of")
        assertContains(page, "Odometer correction: Teller vervangen")


def test_correcting_a_check_of_another_car_is_a_404(client_for, mechanic, garage):
    passport = PassportFactory(garage=garage)
    others_check = record_check(PassportFactory(garage=garage))

    response = client_for(mechanic).get(
        passport_url("autopaspoort:check_create", passport) + f"?corrects={others_check.pk}"
    )

    assert response.status_code == 404


def test_a_malformed_correction_id_is_a_404(client_for, mechanic, garage):
    """A hand-edited address is a page that does not exist, not a server error."""
    passport = PassportFactory(garage=garage)
    client = client_for(mechanic)
    client.raise_request_exception = False

    response = client.get(passport_url("autopaspoort:check_create", passport) + "?corrects=abc")

    assert response.status_code == 404


# --- Costs --------------------------------------------------------------------------------------


def test_profile_and_dashboard_show_expected_and_delivery_costs(client_for, garage_admin, garage):
    passport = PassportFactory(garage=garage)
    record_check(
        passport,
        items=[
            item(Component.BRAKES_REAR, Rating.NOW, "0.10", fix_before_delivery=True),
            item(Component.WIPERS, Rating.SOON, "0.20"),
            item(Component.LIGHTS, Rating.OK, "7.00", fix_before_delivery=True),
        ],
    )
    client = client_for(garage_admin)

    profile = client.get(passport.get_absolute_url())
    dashboard = client.get(garage_url("garage:dashboard", garage))

    costs = profile.context["costs"]
    assert costs.expected == Decimal("0.20"), "planned delivery work is not the owner's"
    assert costs.delivery == Decimal("7.10")
    assertContains(profile, "€\u00a00,20")
    assertContains(profile, "€\u00a07,10")
    summary = dashboard.context["summary"]
    assert summary["expected_costs"] == Decimal("0.20")
    assert summary["delivery_costs"] == Decimal("7.10")
    assertContains(dashboard, "€\u00a00,20", count=2)  # the total and the car's row
    assertContains(dashboard, "€\u00a07,10", count=2)


def test_planning_an_item_for_delivery_counts_in_the_delivery_costs(
    client_for, garage_admin, sales, garage
):
    passport = PassportFactory(garage=garage)
    check = record_check(
        passport,
        items=[
            item(Component.BRAKES_REAR, Rating.NOW, "185.50"),
            item(Component.WIPERS, Rating.SOON, "34.95"),
        ],
    )
    brakes, wipers = check.items.order_by("id")

    for user, finding in ((garage_admin, brakes), (sales, wipers)):
        response = client_for(user).post(
            passport_url("autopaspoort:item_delivery", passport, item_id=finding.pk), {"fix": "1"}
        )
        assertRedirects(response, passport.get_absolute_url(), fetch_redirect_response=False)

    profile = client_for(garage_admin).get(passport.get_absolute_url())
    assert profile.context["costs"].delivery == Decimal("220.45")

    client_for(sales).post(
        passport_url("autopaspoort:item_delivery", passport, item_id=wipers.pk), {"fix": "0"}
    )
    wipers.refresh_from_db()
    assert wipers.fix_before_delivery is False


def test_plan_is_offered_only_on_items_that_need_work(client_for, garage_admin, garage):
    """Walkthrough defect: "Plan" was offered on items rated OK at € 0."""
    passport = PassportFactory(garage=garage)
    check = record_check(
        passport,
        items=[
            item(Component.BRAKES_REAR, Rating.NOW, "185.50"),
            item(Component.LIGHTS, Rating.OK),
            item(Component.WIPERS, Rating.OK, "12.00"),  # OK, but the garage priced something
        ],
    )
    brakes, lights, wipers = check.items.order_by("id")
    action = passport_url("autopaspoort:item_delivery", passport, item_id=0).replace("/0/", "/{}/")

    profile = client_for(garage_admin).get(passport.get_absolute_url())

    assertContains(profile, f'action="{action.format(brakes.pk)}"')
    assertContains(profile, f'action="{action.format(wipers.pk)}"')
    assertNotContains(profile, f'action="{action.format(lights.pk)}"')


def test_planning_an_ok_item_at_zero_is_refused(client_for, garage_admin, garage):
    passport = PassportFactory(garage=garage)
    lights = record_check(passport, items=[item(Component.LIGHTS, Rating.OK)]).items.get()

    response = client_for(garage_admin, **EN).post(
        passport_url("autopaspoort:item_delivery", passport, item_id=lights.pk), {"fix": "1"}
    )

    assert response.status_code == 302
    assert message_texts(response, message_levels.ERROR) == [
        "Lights is rated OK at €0.00: there is nothing to fix before delivery."
    ]
    lights.refresh_from_db()
    assert lights.fix_before_delivery is False


def test_a_check_does_not_plan_an_ok_item_at_zero(garage):
    passport = PassportFactory(garage=garage)
    check = record_check(
        passport,
        items=[
            item(Component.LIGHTS, Rating.OK, fix_before_delivery=True),
            item(Component.BRAKES_REAR, Rating.NOW, "10.00", fix_before_delivery=True),
        ],
    )

    lights, brakes = check.items.order_by("id")
    assert (lights.fix_before_delivery, brakes.fix_before_delivery) == (False, True)


def test_a_mechanic_cannot_plan_delivery(client_for, mechanic, garage):
    passport = PassportFactory(garage=garage)
    finding = record_check(passport, items=[item(rating=Rating.NOW)]).items.get()

    response = client_for(mechanic).post(
        passport_url("autopaspoort:item_delivery", passport, item_id=finding.pk), {"fix": "1"}
    )

    assert response.status_code == 403
    finding.refresh_from_db()
    assert finding.fix_before_delivery is False


def test_an_item_of_an_older_check_cannot_be_planned(client_for, garage_admin, garage):
    passport = PassportFactory(garage=garage)
    old = record_check(passport, items=[item(rating=Rating.NOW)]).items.get()
    record_check(passport)

    response = client_for(garage_admin, **EN).post(
        passport_url("autopaspoort:item_delivery", passport, item_id=old.pk), {"fix": "1"}
    )

    assert response.status_code == 302
    assert message_texts(response, message_levels.ERROR) == [
        "Only items of the latest status check can be planned."
    ]
    old.refresh_from_db()
    assert old.fix_before_delivery is False


def test_an_item_of_another_car_is_a_404(client_for, garage_admin, garage):
    passport = PassportFactory(garage=garage)
    others = record_check(PassportFactory(garage=garage), items=[item(rating=Rating.NOW)])

    response = client_for(garage_admin).post(
        passport_url("autopaspoort:item_delivery", passport, item_id=others.items.get().pk),
        {"fix": "1"},
    )

    assert response.status_code == 404
    assert not StatusCheckItem.objects.filter(fix_before_delivery=True).exists()


# --- History ------------------------------------------------------------------------------------


def history_data(on, km, **changes):
    return {
        "kind": HistoryEntry.Kind.REPAIR,
        "date": on.isoformat(),
        "odometer_km": str(km),
        "odometer_correction_reason": "",
        "description": "Uitlaat vervangen",
        "cost": "412,50",
        **changes,
    }


def test_a_mechanic_adds_history(client_for, mechanic, garage):
    passport = PassportFactory(garage=garage, initial_odometer_km=50_000)

    response = client_for(mechanic).post(
        passport_url("autopaspoort:history_create", passport),
        history_data(timezone.localdate(), 50_500),
    )

    assertRedirects(response, passport.get_absolute_url(), fetch_redirect_response=False)
    entry = HistoryEntry.objects.get()
    assert (entry.cost, entry.created_by, entry.odometer_km) == (
        Decimal("412.50"),
        mechanic,
        50_500,
    )


def test_a_lower_reading_needs_a_reason_and_then_shows_not_logical(client_for, mechanic, garage):
    passport = PassportFactory(garage=garage, initial_odometer_km=50_000)
    client = client_for(mechanic)
    url = passport_url("autopaspoort:history_create", passport)
    today = timezone.localdate()

    refused = client.post(url, history_data(today, 40_000))
    accepted = client.post(
        url, history_data(today, 40_000, odometer_correction_reason="Nieuwe teller")
    )

    assert refused.status_code == 200
    assert list(refused.context["form"].errors) == ["odometer_km"]
    assert accepted.status_code == 302
    passport.refresh_from_db()
    assert passport.odometer_logical is False
    assertContains(client.get(passport.get_absolute_url()), "niet logisch")
    assertContains(client_for(mechanic, **EN).get(passport.get_absolute_url()), "not logical")


def test_back_dated_history_with_a_lower_reading_is_fine(client_for, mechanic, garage):
    passport = PassportFactory(garage=garage, initial_odometer_km=50_000)

    response = client_for(mechanic).post(
        passport_url("autopaspoort:history_create", passport),
        history_data(timezone.localdate() - timedelta(days=200), 41_000),
    )

    assert response.status_code == 302
    passport.refresh_from_db()
    assert passport.odometer_logical is True
    assertNotContains(client_for(mechanic).get(passport.get_absolute_url()), "niet logisch")


def test_history_in_the_future_is_a_field_error(client_for, mechanic, garage):
    passport = PassportFactory(garage=garage)

    response = client_for(mechanic).post(
        passport_url("autopaspoort:history_create", passport),
        history_data(timezone.localdate() + timedelta(days=1), 60_000),
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["date"]
    assert not HistoryEntry.objects.exists()


# --- Closing the profile ------------------------------------------------------------------------


def test_closing_a_stock_cars_profile_asks_to_transfer_it(client_for, garage_admin, garage):
    passport = PassportFactory(garage=garage)
    url = passport_url("autopaspoort:close", passport)

    dutch = client_for(garage_admin).get(url)
    english = client_for(garage_admin, **EN).get(url)

    assertContains(dutch, CLOSE_QUESTION_NL)
    assertContains(english, CLOSE_QUESTION_EN)
    transfer = passport_url("transfers:start", passport)
    dashboard = garage_url("garage:dashboard", garage)
    assertContains(english, f'href="{transfer}">Yes, transfer</a>', html=False)
    assertContains(english, f'href="{dashboard}">No, back to the dashboard</a>')
    assertContains(english, "<html")
    assertContains(client_for(garage_admin).get(transfer), passport.plate)  # the transfer form


def test_closing_with_htmx_gives_the_dialog_fragment(client_for, sales, garage):
    passport = PassportFactory(garage=garage)

    response = client_for(sales, **EN).get(passport_url("autopaspoort:close", passport), **HTMX)

    assert response.status_code == 200
    assertContains(response, "<dialog")
    assertContains(response, CLOSE_QUESTION_EN)
    assertNotContains(response, "<html")


def test_closing_as_a_mechanic_goes_straight_to_the_dashboard(client_for, mechanic, garage):
    passport = PassportFactory(garage=garage)

    response = client_for(mechanic).get(passport_url("autopaspoort:close", passport), **HTMX)

    assertRedirects(response, garage_url("garage:dashboard", garage), fetch_redirect_response=False)


def test_closing_a_customer_cars_profile_goes_straight_to_the_dashboard(
    client_for, garage_admin, garage
):
    passport = PassportFactory(garage=garage, customer=True)

    response = client_for(garage_admin).get(passport_url("autopaspoort:close", passport))

    assertRedirects(response, garage_url("garage:dashboard", garage), fetch_redirect_response=False)


# --- Roles --------------------------------------------------------------------------------------


def test_a_mechanic_sees_dashboard_and_profile_and_may_check_but_not_create(
    client_for, mechanic, garage
):
    passport = PassportFactory(garage=garage)
    client = client_for(mechanic)
    create_url = garage_url("autopaspoort:create", garage)

    dashboard = client.get(garage_url("garage:dashboard", garage))
    profile = client.get(passport.get_absolute_url())

    assert dashboard.status_code == profile.status_code == 200
    assertNotContains(dashboard, create_url)
    assertContains(profile, passport_url("autopaspoort:check_create", passport))
    assertContains(profile, passport_url("autopaspoort:history_create", passport))
    for form_page in ("autopaspoort:check_create", "autopaspoort:history_create"):
        page = client.get(passport_url(form_page, passport))
        assertContains(page, passport.plate)
        assert page.context["form"].is_bound is False
    assert client.get(create_url).status_code == 403
    assert client.post(create_url, create_data(garage)).status_code == 403
    lookup_url = garage_url("autopaspoort:vehicle_lookup", garage)
    assert client.get(lookup_url, {"plate": "GJ-55-55"}, **HTMX).status_code == 403
    assert not Passport.objects.exclude(pk=passport.pk).exists()


def test_an_admin_sees_the_create_action(client_for, garage_admin, garage):
    dashboard = client_for(garage_admin).get(garage_url("garage:dashboard", garage))

    assertContains(dashboard, garage_url("autopaspoort:create", garage))


def test_a_sales_person_cannot_add_history(client_for, sales, garage):
    passport = PassportFactory(garage=garage)
    url = passport_url("autopaspoort:history_create", passport)

    assert client_for(sales).get(url).status_code == 403
    assertNotContains(client_for(sales).get(passport.get_absolute_url()), url)


def test_anonymous_visitors_are_sent_to_the_login(anonymous, garage):
    passport = PassportFactory(garage=garage)

    response = anonymous.get(passport.get_absolute_url())

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- Another garage's plate ---------------------------------------------------------------------

PASSPORT_PAGES = [
    ("get", "autopaspoort:profile", {}),
    ("get", "autopaspoort:close", {}),
    ("get", "autopaspoort:details", {}),
    ("get", "autopaspoort:check_create", {}),
    ("post", "autopaspoort:check_create", {}),
    ("get", "autopaspoort:check_detail", {"check_id": None}),
    ("get", "autopaspoort:history_create", {}),
    ("post", "autopaspoort:history_create", {}),
    ("post", "autopaspoort:item_delivery", {"item_id": None}),
]


@pytest.fixture
def foreign_passport(garage):
    """A stock car of garage A with a check, as staff of garage B would try to reach it."""
    passport = PassportFactory(garage=garage, plate="GJ-555-K")
    check = record_check(passport, items=[item(rating=Rating.NOW)])
    return passport, check


def _kwargs(extra, check):
    values = {"check_id": check.pk, "item_id": check.items.get().pk}
    return {name: values[name] for name in extra}


@pytest.mark.parametrize(("method", "name", "extra"), PASSPORT_PAGES)
def test_another_garages_plate_is_a_404_under_ones_own_garage(
    client_for, other_garage, other_garage_staff, foreign_passport, method, name, extra
):
    passport, check = foreign_passport
    url = reverse(
        name,
        kwargs={"garage_id": other_garage.pk, "plate": passport.plate, **_kwargs(extra, check)},
    )

    response = getattr(client_for(other_garage_staff), method)(
        url, {"fix": "1"} if method == "post" else {}
    )

    assert response.status_code == 404
    assert StatusCheck.objects.count() == 1
    assert not HistoryEntry.objects.exists()
    assert not StatusCheckItem.objects.filter(fix_before_delivery=True).exists()


@pytest.mark.parametrize(("method", "name", "extra"), PASSPORT_PAGES)
def test_another_garages_plate_is_a_404_under_that_garage(
    client_for, other_garage_staff, foreign_passport, method, name, extra
):
    passport, check = foreign_passport
    url = passport_url(name, passport, **_kwargs(extra, check))

    response = getattr(client_for(other_garage_staff), method)(url)

    assert response.status_code == 404


@pytest.mark.parametrize("spelling", ["gj555k", "GJ555K", "gj-555-k", "GJ 555 K"])
def test_the_profile_of_a_plate_in_another_spelling_redirects_to_the_canonical_address(
    client_for, garage_admin, garage, spelling
):
    passport = PassportFactory(garage=garage, plate="GJ-555-K")

    response = client_for(garage_admin).get(
        passport_url("autopaspoort:profile", passport, plate=spelling)
    )

    assertRedirects(response, passport.get_absolute_url(), fetch_redirect_response=False)
    assert passport.get_absolute_url().endswith("/GJ-555-K/")


@pytest.mark.parametrize("plate", ["GJ-555", "AA-12-34", "XXXXXXXX", "GJ-556-K"])
def test_an_invalid_or_unknown_plate_in_the_address_is_a_404(
    client_for, garage_admin, garage, plate
):
    PassportFactory(garage=garage, plate="GJ-555-K")

    response = client_for(garage_admin).get(garage_url("autopaspoort:profile", garage, plate=plate))

    assert response.status_code == 404


def test_a_check_of_another_car_of_the_same_garage_is_a_404(client_for, garage_admin, garage):
    passport = PassportFactory(garage=garage)
    others_check = record_check(PassportFactory(garage=garage))

    response = client_for(garage_admin).get(
        passport_url("autopaspoort:check_detail", passport, check_id=others_check.pk)
    )

    assert response.status_code == 404


# --- Profile ------------------------------------------------------------------------------------


def test_profile_shows_the_car_its_state_latest_check_and_history(client_for, garage_admin, garage):
    passport = PassportFactory(garage=garage, plate="GJ-555-K", make="KIA", model="NIRO")
    record_check(passport, items=[item(Component.BATTERY, Rating.SOON, "120.00")])
    entry = HistoryEntry.objects.create(
        passport=passport,
        garage=garage,
        kind=HistoryEntry.Kind.APK,
        date=timezone.localdate() - timedelta(days=10),
        odometer_km=49_000,
        description="APK goedgekeurd",
        created_by=garage_admin,
    )

    response = client_for(garage_admin, **EN).get(passport.get_absolute_url())

    assertContains(response, '<span class="plate-text">GJ-555-K</span>')
    assertContains(response, "KIA NIRO")
    assertContains(response, "Stock")
    assertContains(response, "Battery")
    assertContains(response, "€120.00")
    assertContains(response, entry.description)
    assertContains(response, passport_url("autopaspoort:details", passport))


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("nl", ["Voertuig", "Verwachte kosten voor de eigenaar", "Afleveringskosten", "Historie"]),
        ("en", ["Vehicle", "Expected costs for the owner", "Delivery costs", "History"]),
    ],
)
def test_profile_renders_in_dutch_and_english(client_for, garage_admin, garage, language, texts):
    passport = PassportFactory(garage=garage)
    record_check(passport, items=[item(rating=Rating.NOW, cost="10")])

    response = client_for(garage_admin, HTTP_ACCEPT_LANGUAGE=language).get(
        passport.get_absolute_url()
    )

    assert response.status_code == 200
    assertContains(response, f'<html lang="{language}">')
    for text in texts:
        assertContains(response, text)


# --- Dashboard ----------------------------------------------------------------------------------


def dashboard(client, garage, **params):
    return client.get(garage_url("garage:dashboard", garage), params)


def listed(response):
    return [passport.plate for passport in response.context["page"].passports]


def test_dashboard_shows_the_counts(client_for, garage_admin, garage, other_garage):
    PassportFactory.create_batch(3, garage=garage)
    PassportFactory(garage=garage, customer=True)
    PassportFactory.create_batch(2, garage=garage, awaiting_activation=True)
    record_check(PassportFactory(garage=other_garage))
    record_check(PassportFactory(garage=garage))

    response = dashboard(client_for(garage_admin), garage)

    summary = response.context["summary"]
    assert (summary["stock"], summary["customer"], summary["awaiting_activation"]) == (4, 3, 2)
    assert summary["checks_this_month"] == 1


def test_dashboard_search_for_an_exact_plate_in_any_spelling_opens_its_profile(
    client_for, garage_admin, garage
):
    passport = PassportFactory(garage=garage, plate="GJ-555-K")

    response = dashboard(client_for(garage_admin), garage, q="gj 555k")

    assertRedirects(response, passport.get_absolute_url(), fetch_redirect_response=False)


def test_dashboard_search_for_another_garages_plate_finds_nothing(
    client_for, garage_admin, garage, other_garage
):
    PassportFactory(garage=other_garage, plate="GJ-555-K")

    response = dashboard(client_for(garage_admin), garage, q="GJ-555-K")

    assert response.status_code == 200
    assert listed(response) == []


def test_dashboard_search_with_part_of_a_plate_filters_the_list(client_for, garage_admin, garage):
    PassportFactory(garage=garage, plate="GJ-555-K")
    PassportFactory(garage=garage, plate="GJ-556-K")
    PassportFactory(garage=garage, plate="12-ZTX-3")

    response = dashboard(client_for(garage_admin), garage, q="555")

    assert response.status_code == 200
    assert listed(response) == ["GJ-555-K"]


def test_dashboard_search_needs_three_characters(client_for, garage_admin, garage):
    PassportFactory.create_batch(2, garage=garage)

    response = dashboard(client_for(garage_admin, **EN), garage, q="5-5")

    assert response.status_code == 200
    assert response.context["form"].errors["q"] == [
        "Type at least 3 characters of the plate or the name."
    ]


def test_dashboard_filters_stock_and_needs_work(client_for, garage_admin, garage):
    stock = PassportFactory(garage=garage)
    PassportFactory(garage=garage, customer=True)
    broken = PassportFactory(garage=garage, customer=True)
    record_check(broken, items=[item(rating=Rating.NOW, cost="100")])
    client = client_for(garage_admin)

    assert listed(dashboard(client, garage, state="stock")) == [stock.plate]
    assert listed(dashboard(client, garage, needs_work="on")) == [broken.plate]
    assert listed(dashboard(client, garage, state="stock", needs_work="on")) == []


def test_dashboard_pages_with_a_next_link(client_for, garage_admin, garage):
    PassportFactory.create_batch(30, garage=garage)
    client = client_for(garage_admin)

    first = dashboard(client, garage)
    next_query = first.context["next_query"]
    second = client.get(garage_url("garage:dashboard", garage) + "?" + next_query)

    assert len(listed(first)) == 25
    assertContains(first, f'href="?{next_query}"')
    assert len(listed(second)) == 5
    assert not set(listed(first)) & set(listed(second))
    assert set(listed(first)) | set(listed(second)) == set(
        Passport.objects.values_list("plate", flat=True)
    )
    assert second.context["next_query"] is None


def test_dashboard_pages_keep_the_filters(client_for, garage_admin, garage):
    PassportFactory.create_batch(27, garage=garage)
    PassportFactory.create_batch(3, garage=garage, customer=True)
    client = client_for(garage_admin)

    first = dashboard(client, garage, state="stock")
    second = client.get(garage_url("garage:dashboard", garage) + "?" + first.context["next_query"])

    assert len(listed(first)) == 25
    assert len(listed(second)) == 2


# --- Query counts -------------------------------------------------------------------------------


def bulk_passports(garage, count, *, start=0):
    """`count` passports of `garage`, each with a check of two items as its latest check, in a
    handful of queries. Every fourth car is a customer's, every third of those not activated."""
    now = timezone.now()
    passports = Passport.objects.bulk_create(
        Passport(
            plate=f"GJ-{(start + n) // 100:02d}-{(start + n) % 100:02d}",
            garage=garage,
            state=Passport.State.CUSTOMER if n % 4 == 0 else Passport.State.STOCK,
            owner=None if n % 4 == 0 else garage.account_user,
            activated_at=None if n % 12 == 0 else now,
            make="VOLKSWAGEN",
            model="GOLF",
            apk_expires=now.date(),
            odometer_km=10_000 + n,
        )
        for n in range(count)
    )
    checks = StatusCheck.objects.bulk_create(
        StatusCheck(
            passport=passport,
            garage=garage,
            performed_by=garage.account_user,
            odometer_km=passport.odometer_km,
        )
        for passport in passports
    )
    StatusCheckItem.objects.bulk_create(
        StatusCheckItem(
            status_check=check,
            component=component,
            rating=rating,
            estimated_cost=Decimal("12.50"),
            fix_before_delivery=check.passport.state == Passport.State.STOCK,
        )
        for check in checks
        for component, rating in ((Component.LIGHTS, Rating.NOW), (Component.WIPERS, Rating.SOON))
    )
    for passport, check in zip(passports, checks, strict=True):
        passport.latest_check = check
    Passport.objects.bulk_update(passports, ["latest_check"])
    return passports


# User (the session comes from the cache), membership (with garage and login), the page of passports
# with costs, the three summary queries (counts, checks this month, cost totals), the appointment
# requests waiting for an answer (with their count), the recent private sales (a notice), the cars
# whose maintenance is likely due soon, the navigation's memberships.
DASHBOARD_QUERIES = 10
# With the garage's overview cached (every request after the first until a car changes): the user
# and the page of passports.
DASHBOARD_QUERIES_CACHED = 2


@pytest.mark.parametrize("cars", [5, 500])
def test_dashboard_query_count_does_not_depend_on_the_number_of_cars(
    client_for, garage_admin, garage, other_garage, django_assert_num_queries, cars
):
    bulk_passports(garage, cars)
    bulk_passports(other_garage, 3, start=9000)
    client = client_for(garage_admin)

    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = dashboard(client, garage)

    assert len(listed(response)) == min(cars, 25)
    assert response.context["summary"]["stock"] == cars - len(range(0, cars, 4))


@pytest.mark.parametrize("cars", [5, 500])
def test_dashboard_search_and_next_page_query_counts_do_not_depend_on_the_number_of_cars(
    client_for, garage_admin, garage, django_assert_num_queries, cars
):
    passports = bulk_passports(garage, cars)
    client = client_for(garage_admin)

    with django_assert_num_queries(DASHBOARD_QUERIES):  # part of a plate: no exact lookup
        searched = dashboard(client, garage, q="GJ-00")
    # A whole plate: looked up here, then at other garages (ask the owner, or a car that moved on).
    with django_assert_num_queries(DASHBOARD_QUERIES_CACHED + 2):
        missed = dashboard(client, garage, q="GJ-99-98")
    with django_assert_num_queries(DASHBOARD_QUERIES_CACHED):
        paged = dashboard(client, garage, state="stock", after=passports[-1].pk)

    assert listed(searched)
    assert missed.status_code == 200
    assert listed(missed) == []
    assert paged.status_code == 200


# User (the session comes from the cache), membership, passport with its latest check, its items,
# the timeline's checks and history entries, the navigation's memberships. + the latest transfer, +
# a stock car's open share links, + recalls, + APK defects, + photos, + the car's quotes and work
# orders (admins and sales: quotes.selectors.passport_quotes) + the network's figures for the car
# (when it has make, fuel, first admission and odometer) + the car's own service interval
PROFILE_QUERIES = 15


@pytest.mark.parametrize(("entries", "checks"), [(1, 1), (10, 3)])
def test_profile_query_count_does_not_depend_on_history_and_checks(
    client_for, garage_admin, mechanic, garage, django_assert_num_queries, entries, checks
):
    passport = PassportFactory(
        garage=garage, initial_odometer_km=90_000, first_admission=date(2019, 4, 12)
    )
    HistoryEntry.objects.bulk_create(
        HistoryEntry(
            passport=passport,
            garage=garage,
            kind=HistoryEntry.Kind.SMALL_SERVICE,
            date=timezone.localdate() - timedelta(days=30 * (n + 1)),
            odometer_km=80_000 - 1_000 * n,
            description=f"Beurt {n}",
            created_by=mechanic if n % 2 else garage_admin,
        )
        for n in range(entries)
    )
    for n in range(checks):
        record_check(
            passport,
            actor=mechanic,
            odometer_km=90_000 + n,
            items=[
                item(Component.BRAKES_REAR, Rating.NOW, "185.50", fix_before_delivery=True),
                item(Component.TYRES_FRONT, Rating.SOON, "240.00", tread_depth_mm=Decimal("2.5")),
                item(Component.OTHER, Rating.OK, description="Trekhaak"),
            ],
        )
    client = client_for(garage_admin)

    with django_assert_num_queries(PROFILE_QUERIES):
        response = client.get(passport.get_absolute_url())

    assert response.status_code == 200
    assert len(response.context["timeline"]) == entries + checks


# User (the session comes from the cache), membership, passport with its latest check, the check
# asked for with its people, its items, the navigation's memberships. + 1 for the check's photos
# (photos.selectors.check_photos), whatever their number. (Not the latest check's items since
# issue 22: the page shows another check's.)
CHECK_DETAIL_QUERIES = 7


@pytest.mark.parametrize("findings", [1, 12])
def test_check_detail_query_count_does_not_depend_on_its_items(
    client_for, garage_admin, mechanic, garage, django_assert_num_queries, findings
):
    passport = PassportFactory(garage=garage)
    components = [c for c in Component.values if c != Component.OTHER][:findings]
    original = record_check(
        passport, actor=mechanic, items=[item(c, Rating.SOON, "10.00") for c in components]
    )
    correction = record_check(
        passport,
        actor=mechanic,
        items=[item(c, Rating.NOW, "20.00") for c in components],
        corrects=original,
    )
    client = client_for(garage_admin)

    with django_assert_num_queries(CHECK_DETAIL_QUERIES):
        response = client.get(
            passport_url("autopaspoort:check_detail", passport, check_id=correction.pk)
        )

    assert response.status_code == 200
    assert response.context["costs"].expected == Decimal("20.00") * findings


@pytest.mark.parametrize("name", ["autopaspoort:create", "autopaspoort:vehicle_lookup"])
def test_staff_of_another_garage_cannot_create_for_this_garage(
    client_for, garage, other_garage_staff, name
):
    response = client_for(other_garage_staff).get(garage_url(name, garage), {"plate": "GJ5555"})

    assert response.status_code == 404


def test_the_dashboard_header_follows_every_change_at_once(
    client_for, garage, garage_admin, django_capture_on_commit_callbacks
):
    """The header's counts are cached; every change of the garage's cars forgets them."""
    client = client_for(garage_admin)
    assert dashboard(client, garage).context["summary"]["stock"] == 0  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        client.post(garage_url("autopaspoort:create", garage), create_data(garage))
    summary = dashboard(client, garage).context["summary"]
    assert (summary["stock"], summary["customer"]) == (1, 0)

    with django_capture_on_commit_callbacks(execute=True):
        transfer(Passport.objects.get(garage=garage), "nieuwe.eigenaar@example.nl")
    summary = dashboard(client, garage).context["summary"]
    assert (summary["stock"], summary["customer"], summary["awaiting_activation"]) == (0, 1, 1)


def test_a_stock_cars_pages_show_the_garages_current_login_email(client_for, garage, garage_admin):
    """Issue 14, item 13: a stock car showed the garage email it was created with, also after
    the garage changed its login email in the settings."""
    from accounts.services import user_change_login_email

    passport = PassportFactory(garage=garage)
    user_change_login_email(
        user=garage_admin,
        new_email="werkplaats@example.nl",
        context={"garage_name": garage.name, "changed_by": garage_admin.full_name},
    )
    client = client_for(garage_admin)

    for name in ("autopaspoort:profile", "autopaspoort:details"):
        response = client.get(passport_url(name, passport), **EN)
        assertContains(response, "werkplaats@example.nl")
        assertNotContains(response, "garage-a@example.nl")


def test_a_tampered_check_formset_is_answered_without_a_server_error(client_for, mechanic, garage):
    """INITIAL_FORMS=0 turns every row into an "extra" row; an unchanged one used to reach the
    view without a component (KeyError, a 500). Every row is validated now (issue 14, item 14)."""
    passport = PassportFactory(garage=garage)
    data = check_data(passport.odometer_km or 1000, rows={Component.BRAKES_REAR: {"rating": "now"}})
    data["items-INITIAL_FORMS"] = "0"
    client = client_for(mechanic)
    client.raise_request_exception = False

    response = client.post(passport_url("autopaspoort:check_create", passport), data)

    assert response.status_code == 302
    check = StatusCheck.objects.get()
    assert check.items.count() == 12  # every standard row, none lost or half-read


# --- State badge ----------------------------------------------------------------------------


def test_a_car_handed_to_an_existing_account_awaits_confirmation_not_activation(
    client_for, garage_admin, garage
):
    """Walkthrough defect: an existing-account owner who still has to confirm a car was badged
    "Awaiting activation"."""
    existing = UserFactory(email="bestaand@example.nl")
    to_existing = PassportFactory(garage=garage)
    transfer(to_existing, existing.email)
    to_new = PassportFactory(garage=garage)
    transfer(to_new, "nieuw@example.nl")
    client = client_for(garage_admin, **EN)

    dashboard = client.get(garage_url("garage:dashboard", garage))
    profile_existing = client.get(to_existing.get_absolute_url())
    profile_new = client.get(to_new.get_absolute_url())

    rows = dashboard.content.decode().split("<tr")
    (existing_row,) = [row for row in rows if to_existing.plate in row]
    (new_row,) = [row for row in rows if to_new.plate in row]
    assert "Awaiting confirmation" in existing_row
    assert "Awaiting activation" in new_row
    assertContains(profile_existing, "Awaiting confirmation")
    assertNotContains(profile_existing, 'badge-pending">Awaiting activation')
    assertContains(profile_new, 'badge-pending">Awaiting activation')
    dutch = client_for(garage_admin, HTTP_ACCEPT_LANGUAGE="nl").get(to_existing.get_absolute_url())
    assertContains(dutch, 'badge-pending">Wacht op bevestiging')
