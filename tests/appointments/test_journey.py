"""The appointment round trip in the browser, with both emails: the owner asks from the car's
page, the garage answers from its dashboard; the owner accepts a proposal."""

import pytest
from django.core import mail
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from appointments.models import Appointment
from notifications.models import Notification
from tests.appointments.factories import (
    AFTERNOON,
    EN,
    HTMX,
    MORNING,
    Reason,
    State,
    accept_url,
    car_state_url,
    detail_url,
    form_data,
    garage_url,
    in_days,
    owner_url,
    request_url,
)
from tests.transfers.factories import (
    customer_passport,
    message_texts,
    messages_to,
    page_forms,
    portal_car_url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(garage, owner):
    """Everyone reads English emails here, so the texts can be checked."""
    for user in (garage.account_user, owner):
        user.language = "en"
        user.save(update_fields=["language"])
    return garage, owner


@pytest.fixture
def car(people):
    garage, owner = people
    return customer_passport(garage, owner, make="PEUGEOT", model="208")


def only_link(text: str, path: str) -> None:
    assert path in text, text


def test_accepting_a_preferred_time_round_trip(
    client_for, garage, garage_admin, owner, car, django_capture_on_commit_callbacks
):
    owner_client = client_for(owner, **EN)
    car_page = owner_client.get(portal_car_url(car))
    assertContains(car_page, f'href="{request_url(car)}"')
    assertContains(car_page, f'hx-get="{car_state_url(car)}"')

    with django_capture_on_commit_callbacks(execute=True):
        sent = owner_client.post(
            request_url(car),
            form_data(
                reason=Reason.APK,
                date_1=in_days(6).isoformat(),
                part_1=AFTERNOON,
                date_2=in_days(7).isoformat(),
                note="Graag ook de ruitenwissers",
            ),
            follow=True,
        )

    assertRedirects(sent, request_url(car))
    assertContains(sent, "Garage A has your request.")
    assertContains(sent, "Requested")
    (to_garage,) = messages_to(mail.outbox, "garage-a@example.nl")
    text = message_texts(to_garage)
    assert to_garage.subject == f"Appointment request for {car.plate}"
    assert "Eigenaar Een asks for an appointment" in text
    assert "APK (MOT)" in text
    assert "Graag ook de ruitenwissers" in text
    only_link(to_garage.body, garage_url("garage_list", garage))

    garage_client = client_for(garage_admin, **EN)
    dashboard = garage_client.get(garage.get_absolute_url())
    assertContains(dashboard, "Appointment requests")
    (appointment,) = dashboard.context["appointment_requests"].requests
    assertContains(dashboard, detail_url(appointment))
    listing = garage_client.get(garage_url("garage_list", garage))
    second = appointment.slots.get(position=2)
    (accept_form,) = [f for f in page_forms(listing) if ("slot", str(second.pk)) in f["buttons"]]
    assert accept_form["action"] == accept_url(appointment)

    with django_capture_on_commit_callbacks(execute=True):
        accepted = garage_client.post(accept_url(appointment), {"slot": second.pk}, follow=True)

    assertContains(accepted, f"Agreed with the owner of {car.plate}")
    appointment.refresh_from_db()
    assert (appointment.state, appointment.planned_date) == (State.CONFIRMED, in_days(7))
    (to_owner,) = messages_to(mail.outbox, owner.email)
    assert to_owner.subject.startswith(f"Your appointment for {car.plate}: ")
    assert "Garage A expects you with" in to_owner.body
    only_link(to_owner.body, request_url(car))

    state = owner_client.get(car_state_url(car), **HTMX)
    assertContains(state, "Confirmed")
    assertContains(state, "Your appointment at Garage A")
    assertNotContains(garage_client.get(garage.get_absolute_url()), detail_url(appointment))


def test_proposing_another_time_round_trip(
    client_for, garage, sales, owner, car, django_capture_on_commit_callbacks
):
    owner_client = client_for(owner, **EN)
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(request_url(car), form_data())
    appointment = Appointment.objects.get()
    garage_client = client_for(sales, **EN)

    with django_capture_on_commit_callbacks(execute=True):
        proposed = garage_client.post(
            detail_url(appointment),
            {
                "date": in_days(12).isoformat(),
                "part_of_day": MORNING,
                "message": "Dan hebben we een leenauto voor u.",
            },
            follow=True,
        )

    assertContains(proposed, f"proposed to the owner of {car.plate}")
    (to_owner,) = messages_to(mail.outbox, owner.email)
    assert to_owner.subject == f"Garage A proposes another time for {car.plate}"
    assert "Dan hebben we een leenauto voor u." in message_texts(to_owner)
    page = owner_client.get(request_url(car))
    assertContains(page, "Other time proposed")
    assertContains(page, "Accept this time")
    assert page.context["form"] is None  # no second request while this one is open

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = owner_client.post(owner_url("appointment_accept", appointment), follow=True)

    assertContains(confirmed, "Agreed: ")
    appointment.refresh_from_db()
    assert (appointment.state, appointment.planned_date) == (State.CONFIRMED, in_days(12))
    garage_mails = messages_to(mail.outbox, "garage-a@example.nl")
    assert [message.subject for message in garage_mails][-1].startswith(
        f"{car.plate}: the customer accepted "
    )
    assert Notification.objects.filter(kind=Notification.Kind.APPOINTMENT_ANSWERED).count() == 1


def test_the_owner_cancels_from_the_portal_and_may_ask_again(
    client_for, owner, car, django_capture_on_commit_callbacks
):
    client = client_for(owner, **EN)
    client.post(request_url(car), form_data())
    appointment = Appointment.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = client.post(owner_url("appointment_cancel", appointment), follow=True)

    assertContains(cancelled, "Your request has been cancelled; Garage A has been told.")
    (to_garage,) = mail.outbox
    assert to_garage.subject == f"{car.plate}: the customer cancelled the appointment request"
    assert cancelled.context["form"] is not None
    assertContains(cancelled, "Earlier requests")


def test_the_request_form_refuses_a_date_in_the_past_beside_the_field(client_for, owner, car):
    response = client_for(owner, **EN).post(
        request_url(car), form_data(date_1=in_days(-2).isoformat())
    )

    assert response.status_code == 200
    assert "date_1" in response.context["form"].errors
    assert not Appointment.objects.exists()


def test_the_car_state_without_htmx_goes_to_the_appointments_page(client_for, owner, car):
    response = client_for(owner).get(car_state_url(car))

    assertRedirects(response, request_url(car), fetch_redirect_response=False)
