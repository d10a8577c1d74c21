"""An owner answers a quote on a phone (390 px, touch): opens the link in the garage's email
(as delivered by the worker), logs in, sees the quote with the photo of the front brakes,
unticks the "soon" line (the total of the ticked lines follows, computed by the server), picks a
time, approves; lands on the car's appointment page, and the car page lists the quote as
approved. The garage is emailed and its appointment list shows the request.
Screenshots: e2e-screenshots/owner-approves-part-of-a-quote-390/.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from appointments.models import Appointment
from notifications.models import Notification
from photos.models import CheckPhoto
from quotes.models import Quote
from tests.autopaspoort.factories import Rating
from tests.e2e.conftest import E2E, field, link_in, log_in, message, wait_for_htmx
from tests.photos.factories import add_photos
from tests.quotes.factories import checked_car, sent_quote

pytestmark = E2E
PHONE_WIDTH = 390


@pytest.fixture
def viewport_width() -> int:
    """An owner reads the quote email on their phone: at 390 px only (CI time)."""
    return PHONE_WIDTH


def test_owner_approves_part_of_a_quote(journey, garage, owner):
    car = checked_car(garage, owner, plate="HN-123-K")
    check = car.latest_check
    brakes = check.items.get(rating=Rating.NOW)
    add_photos(check, item=brakes)  # the worker makes its thumbnail
    quote = sent_quote(car)
    now_line, soon_line = list(quote.lines.order_by("position"))

    # The email's link, as delivered; it asks for the login first, then opens the quote.
    text = journey.inbox.delivered(kind=Notification.Kind.QUOTE_SENT, recipient=owner.email)
    link = link_in(text, rf"/mijn/{car.plate}/offerte/{quote.pk}/$")
    phone = journey.page()
    phone.goto(link)
    expect(phone).to_have_url(re.compile(r"/accounts/login/"))
    log_in(journey, phone, owner.email, step="log-in-from-the-email")
    phone.goto(link)  # (the login lands on the link's page; go there in any case)
    expect(phone).to_have_url(re.compile(rf"/offerte/{quote.pk}/$"))

    # The photo of the brakes beside its line, once the worker has made the thumbnail.
    thumbs = phone.locator(f"#line-{now_line.pk} .photo-thumbs img")
    for _ in range(40):
        if thumbs.count() == 1:
            break
        phone.wait_for_timeout(500)  # the thumbnail task, bounded
        phone.reload()
    expect(thumbs).to_have_count(1)
    expect(thumbs.first).to_have_js_property("complete", True)
    assert CheckPhoto.objects.filter(item=brakes).exclude(thumbnail="").count() == 1
    total = phone.locator("#selected-total")
    expect(total).to_contain_text("€600.50")
    journey.shot(phone, "quote")

    # Untick the "soon" line: the server's total of the ticked lines follows.
    phone.get_by_label(soon_line.description).uncheck()
    wait_for_htmx(phone)
    expect(total).to_contain_text("€420.50")
    day = timezone.localdate() + timedelta(days=9)
    field(phone, "First choice").fill(day.isoformat())
    phone.locator("#id_part_1").select_option("afternoon")
    field(phone, "Note for the garage").fill("Graag met vervangauto")
    journey.shot(phone, "quote-answered")
    phone.get_by_role("button", name="Approve and ask for an appointment").tap()

    expect(phone).to_have_url(re.compile(rf"/mijn/{car.plate}/afspraak/$"))
    expect(message(phone, "You approved the quote.")).to_be_visible()
    journey.shot(phone, "appointment-requested")
    quote.refresh_from_db()
    assert quote.state == Quote.State.APPROVED
    assert {ln.pk: ln.accepted for ln in quote.lines.all()} == {
        now_line.pk: True,
        soon_line.pk: False,
    }
    appointment = Appointment.objects.get(quote=quote)
    assert [(s.date, s.part_of_day) for s in appointment.slots.all()] == [(day, "afternoon")]

    # The car page lists the quote, answered.
    phone.goto(f"/mijn/{car.plate}/")
    expect(phone.locator("#quotes")).to_contain_text("Approved")
    phone.locator("#quotes").scroll_into_view_if_needed()
    journey.shot(phone, "car-page-quotes")

    # The garage's email, and its list of appointment requests.
    told = journey.inbox.delivered(kind=Notification.Kind.QUOTE_ANSWERED, recipient=garage.email)
    assert now_line.description in told
    staff = journey.page()
    log_in(journey, staff, garage.account_user.email, step="garage-log-in")
    staff.goto(f"/garage/{garage.pk}/afspraken/")
    expect(staff.locator("main")).to_contain_text(car.plate)
    journey.shot(staff, "garage-appointments")
