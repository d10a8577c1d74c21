"""The garage's quote pages: who reaches them (admins and sales; a mechanic 403, another garage
404, a visitor to the login), the draft's formset (errors beside the fields, nothing saved),
send, new version, withdraw, work orders, the profile's button, appointments showing their
quote, query counts that do not grow with the lines or the list."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from appointments.models import Appointment
from appointments.services import Slot, quote_approve_and_request
from notifications.models import Notification
from quotes import services
from quotes.models import Quote, QuoteLine
from tests.autopaspoort.factories import PassportFactory, Rating, item, record_check
from tests.photos.factories import add_photos
from tests.quotes.factories import checked_car, line, sent_quote, start

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NL = {"HTTP_ACCEPT_LANGUAGE": "nl"}


@pytest.fixture
def car(garage, owner):
    return checked_car(garage, owner)


@pytest.fixture
def draft(car):
    return start(car)


def list_url(garage, **query):
    url = reverse("quotes:garage_list", kwargs={"garage_id": garage.pk})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def detail_url(quote, name="garage_detail"):
    return reverse(f"quotes:{name}", kwargs={"garage_id": quote.garage_id, "quote_id": quote.pk})


def start_url(car):
    return reverse("quotes:start", kwargs={"garage_id": car.garage_id, "plate": car.plate})


def form_data(quote, rows, *, valid_until=None, note="", action="save", spare=2):
    """The draft form as a browser posts it: `rows` are dicts of a line's fields (English
    notation: the tests ask for English pages)."""
    data = {
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "50",
        "note": note,
        "action": action,
        "spare": str(spare),
    }
    if not quote.is_work_order:
        data["valid_until"] = (
            valid_until or (timezone.localdate() + timedelta(days=14))
        ).isoformat()
    for index, row in enumerate(rows):
        values = {"kind": "other", "description": "", "quantity": "1", "unit_price": "", **row}
        for key, value in values.items():
            data[f"lines-{index}-{key}"] = "on" if value is True else value
    return data


def current_rows(quote):
    return [
        {
            "kind": saved.kind,
            "description": saved.description,
            "quantity": f"{saved.quantity}",
            "unit_price": f"{saved.unit_price}",
            "check_item": str(saved.check_item_id or ""),
        }
        for saved in quote.lines.order_by("position")
    ]


# --- Who reaches the pages ---------------------------------------------------------------------


def _urls(quote, car):
    gets = [list_url(quote.garage), detail_url(quote)]
    posts = [
        start_url(car),
        detail_url(quote),
        detail_url(quote, "garage_totals"),
        detail_url(quote, "garage_delete"),
        detail_url(quote, "garage_new_version"),
        detail_url(quote, "garage_withdraw"),
    ]
    return gets, posts


def test_a_mechanic_gets_a_403_on_every_quote_page(client_for, mechanic, draft, car):
    client = client_for(mechanic)
    gets, posts = _urls(draft, car)
    for url in gets:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert client.post(url).status_code == 403, url
    assert Quote.objects.filter(pk=draft.pk, state="draft").exists()


def test_another_garage_gets_a_404_on_every_quote_page(
    client_for, other_garage, other_garage_staff, draft, car
):
    client = client_for(other_garage_staff)
    # Under its own garage's address: not its quote, not its car.
    theirs = {"garage_id": other_garage.pk}
    assert (
        client.get(
            reverse("quotes:garage_detail", kwargs={**theirs, "quote_id": draft.pk})
        ).status_code
        == 404
    )
    assert (
        client.post(reverse("quotes:start", kwargs={**theirs, "plate": car.plate})).status_code
        == 404
    )
    # Under garage A's address: not a member there.
    gets, posts = _urls(draft, car)
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url).status_code == 404, url
    assert Quote.objects.filter(pk=draft.pk, state="draft").exists()


def test_a_visitor_is_sent_to_the_login(anonymous, draft, car):
    gets, posts = _urls(draft, car)
    for url in gets + posts:
        response = anonymous.get(url)
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]


def test_sales_staff_make_quotes(client_for, sales, car):
    response = client_for(sales).post(start_url(car))
    quote = Quote.objects.get(passport=car)
    assert response.status_code == 302
    assert response["Location"] == detail_url(quote)
    assert quote.created_by == sales


# --- The profile ---------------------------------------------------------------------------------


def test_the_profile_offers_a_quote_and_lists_the_cars_quotes(client_for, garage_admin, car):
    profile = car.get_absolute_url()
    client = client_for(garage_admin)
    assertContains(client.get(profile, **EN), "Make a quote")

    client.post(start_url(car))
    quote = Quote.objects.get(passport=car)
    response = client.get(profile, **EN)
    assertContains(response, "Open the draft")
    assertContains(response, detail_url(quote))


def test_the_profile_of_a_stock_car_offers_a_work_order(client_for, garage_admin, garage):
    stock = PassportFactory(garage=garage)
    record_check(stock, items=[item("tyres_front", Rating.NOW, "200.00", fix_before_delivery=True)])
    client = client_for(garage_admin)
    assertContains(client.get(stock.get_absolute_url(), **EN), "Make a work order")

    client.post(start_url(stock))
    work_order = Quote.objects.get(passport=stock)
    assert work_order.is_work_order
    assert work_order.lines.get().unit_price == Decimal("200.00")


def test_mechanics_see_no_quotes_on_the_profile(client_for, mechanic, draft, car):
    response = client_for(mechanic).get(car.get_absolute_url(), **EN)
    assertNotContains(response, "Make a quote")
    assertNotContains(response, detail_url(draft))


def test_a_car_without_a_check_cannot_start_a_quote(client_for, garage_admin, garage, owner):
    from tests.transfers.factories import customer_passport

    bare = customer_passport(garage, owner)
    response = client_for(garage_admin).post(start_url(bare), follow=True, **EN)
    assertContains(response, "Record a status check first")
    assert not Quote.objects.filter(passport=bare).exists()


# --- The draft -----------------------------------------------------------------------------------


def test_the_draft_shows_its_findings_with_rating_and_photos(client_for, garage_admin, car):
    front = car.latest_check.items.get(component="brakes_front")
    (photo,) = add_photos(car.latest_check, item=front)
    quote = start(car)
    response = client_for(garage_admin).get(detail_url(quote), **EN)
    assertContains(response, 'name="lines-0-description"')
    assertContains(response, "Schijven en blokken")
    assertContains(response, 'class="badge badge-now"')
    assertContains(response, reverse("photos:file", kwargs={"key": photo.key, "version": "large"}))
    # A spare empty row for a new line, and the totals as saved.
    assertContains(response, 'name="lines-2-description"')
    assertContains(response, "Total incl. VAT")


def test_saving_the_draft_replaces_its_lines(client_for, garage_admin, draft):
    rows = current_rows(draft)
    rows[0]["unit_price"] = "1,234.50"
    rows[1]["DELETE"] = True
    rows.append({"kind": "labour", "description": "Arbeid", "quantity": "1.5", "unit_price": "80"})
    response = client_for(garage_admin).post(
        detail_url(draft), form_data(draft, rows, note="Graag voor vrijdag"), **EN
    )
    assert response.status_code == 302
    saved = list(draft.lines.order_by("position"))
    assert [(x.description, x.quantity, x.unit_price, x.kind) for x in saved[1:]] == [
        ("Arbeid", Decimal("1.50"), Decimal("80.00"), "labour")
    ]
    assert saved[0].unit_price == Decimal("1234.50")
    assert saved[0].check_item_id is not None
    draft.refresh_from_db()
    assert draft.note == "Graag voor vrijdag"


def test_dutch_amounts_are_read_the_dutch_way(client_for, garage_admin, draft):
    rows = current_rows(draft)[:1]
    rows[0].update(unit_price="1.234,50", quantity="2,5")
    response = client_for(garage_admin).post(detail_url(draft), form_data(draft, rows), **NL)
    assert response.status_code == 302
    saved = draft.lines.get()
    assert (saved.quantity, saved.unit_price) == (Decimal("2.50"), Decimal("1234.50"))


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ({"description": "", "unit_price": "10"}, "description", "This field is required."),
        ({"description": "X", "unit_price": "12,3,4"}, "unit_price", "not a valid amount"),
        ({"description": "X", "unit_price": "10", "quantity": "0"}, "quantity", "greater than"),
        ({"description": "X", "unit_price": "10", "kind": "gift"}, "kind", "valid choice"),
    ],
)
def test_a_bad_line_is_marked_beside_its_field_and_nothing_is_saved(
    client_for, garage_admin, draft, row, field, message
):
    before = current_rows(draft)
    rows = [*before, row]
    response = client_for(garage_admin).post(detail_url(draft), form_data(draft, rows), **EN)
    assert response.status_code == 200
    formset = response.context["formset"]
    assert message in " ".join(formset.forms[len(before)].errors[field])
    assertContains(response, f'id="id_lines-{len(before)}-{field}_error"')
    assert current_rows(draft) == before


def test_a_service_refusal_lands_beside_the_line_it_is_about(
    client_for, garage_admin, draft, monkeypatch
):
    """The service counts the lines it was given; the page has a removed row before them."""
    from core.errors import ApplicationError

    def refuse(**kwargs):
        raise ApplicationError("Too expensive.", field="lines-1-unit_price")

    monkeypatch.setattr(services, "quote_update", refuse)
    before = current_rows(draft)
    rows = [{**before[0], "DELETE": True}, before[1], {"description": "X", "unit_price": "1"}]
    response = client_for(garage_admin).post(detail_url(draft), form_data(draft, rows), **EN)
    assert response.status_code == 200
    forms = response.context["formset"].forms
    assert forms[2].errors == {"unit_price": ["Too expensive."]}
    assert not forms[1].errors
    assert current_rows(draft) == before


def test_a_refusal_about_no_field_shows_on_top(client_for, garage_admin, draft):
    rows = [{"description": "X", "unit_price": "1"}] * 51
    data = form_data(draft, rows)
    response = client_for(garage_admin).post(detail_url(draft), data, **EN)
    assert response.status_code == 200
    assert (
        response.context["form"].non_field_errors() or response.context["formset"].non_form_errors()
    )


def test_a_validity_date_in_the_past_is_refused_beside_the_date(client_for, garage_admin, draft):
    before = current_rows(draft)
    data = form_data(draft, before, valid_until=timezone.localdate() - timedelta(days=1))
    response = client_for(garage_admin).post(detail_url(draft), data, **EN)
    assert response.status_code == 200
    assert response.context["form"].errors["valid_until"] == ["Choose a date from today on."]
    assertContains(response, 'id="id_valid_until_error"')


def test_a_finding_of_another_check_is_refused(client_for, garage_admin, draft, garage, owner):
    other = checked_car(garage, owner)
    foreign = other.latest_check.items.first()
    rows = current_rows(draft)
    rows[0]["check_item"] = str(foreign.pk)
    response = client_for(garage_admin).post(detail_url(draft), form_data(draft, rows), **EN)
    assert response.status_code == 200
    assertContains(response, "not part of the quote")
    assert draft.lines.filter(check_item=foreign).count() == 0


def test_add_a_line_saves_and_offers_more_empty_rows(client_for, garage_admin, draft):
    client = client_for(garage_admin)
    rows = current_rows(draft)
    response = client.post(detail_url(draft), form_data(draft, rows, action="add", spare=2))
    assert response["Location"].startswith(detail_url(draft) + "?spare=2")
    page = client.get(response["Location"], **EN)
    assertContains(page, 'name="lines-3-description"')  # two lines + two spare rows
    assertNotContains(page, 'name="lines-4-description"')


def test_the_totals_follow_what_is_typed_without_saving(client_for, garage_admin, draft):
    before = current_rows(draft)
    rows = [{"description": "A", "quantity": "2", "unit_price": "50"}, {"unit_price": "oops"}]
    response = client_for(garage_admin).post(
        detail_url(draft, "garage_totals"), form_data(draft, rows), HTTP_HX_REQUEST="true", **EN
    )
    assert response.status_code == 200
    total = response.context["total"]
    assert total.shown == Decimal("100.00")
    assert current_rows(draft) == before


def test_send_emails_the_owner_through_the_outbox(client_for, garage_admin, draft, owner):
    rows = current_rows(draft)
    response = client_for(garage_admin).post(
        detail_url(draft), form_data(draft, rows, action="send"), follow=True, **EN
    )
    draft.refresh_from_db()
    assert draft.state == Quote.State.SENT
    assert draft.owner == owner
    assertContains(response, "Quote sent to")
    email = Notification.objects.get(kind=Notification.Kind.QUOTE_SENT)
    assert email.recipient == owner.email
    # Sent means read-only: no inputs, the buttons of a sent quote.
    assertNotContains(response, 'name="lines-0-description"')
    assertContains(response, "New version")
    assertContains(response, "Withdraw")


def test_a_sent_quote_ignores_a_post_from_an_old_tab(client_for, garage_admin, car):
    quote = sent_quote(car)
    before = current_rows(quote)
    rows = [{"description": "Anders", "unit_price": "1"}]
    response = client_for(garage_admin).post(detail_url(quote), form_data(quote, rows))
    assert response.status_code == 302
    assert current_rows(quote) == before


def test_delete_draft(client_for, garage_admin, draft):
    response = client_for(garage_admin).post(detail_url(draft, "garage_delete"))
    assert response["Location"] == list_url(draft.garage)
    assert not Quote.objects.filter(pk=draft.pk).exists()


# --- Sent: versions, withdraw, the owner's answer --------------------------------------------


def test_new_version_then_send_replaces_the_sent_quote(client_for, garage_admin, car):
    first = sent_quote(car)
    client = client_for(garage_admin)
    response = client.post(detail_url(first, "garage_new_version"))
    second = Quote.objects.get(passport=car, state="draft")
    assert response["Location"] == detail_url(second)
    assert (second.version, second.replaces) == (2, first)

    client.post(detail_url(second), form_data(second, current_rows(second), action="send"))
    first.refresh_from_db()
    assert first.state == Quote.State.REPLACED
    page = client.get(detail_url(first), **EN)
    assertContains(page, "Replaced by version 2")
    assertContains(page, detail_url(second))
    assertContains(client.get(detail_url(second), **EN), "Replaces version 1")


def test_withdraw(client_for, garage_admin, car):
    quote = sent_quote(car)
    response = client_for(garage_admin).post(detail_url(quote, "garage_withdraw"), follow=True)
    quote.refresh_from_db()
    assert quote.state == Quote.State.WITHDRAWN
    assert response.status_code == 200


def test_an_approved_quote_shows_the_answers_the_total_and_the_appointment(
    client_for, garage_admin, car, owner
):
    quote = sent_quote(car)
    accepted = quote.lines.order_by("position").first()
    appointment = quote_approve_and_request(
        quote=quote,
        actor=owner,
        line_ids=[accepted.pk],
        slots=[Slot(date=timezone.localdate() + timedelta(days=3), part_of_day="morning")],
    )
    response = client_for(garage_admin).get(detail_url(quote), **EN)
    assertContains(response, "Approved by the owner")
    assertContains(response, "Not accepted")
    assertContains(
        response,
        reverse(
            "appointments:garage_detail",
            kwargs={"garage_id": quote.garage_id, "appointment_id": appointment.pk},
        ),
    )
    assertNotContains(response, "New version")
    # The appointment pages link back to the quote, with its approved lines.
    appointment_page = client_for(garage_admin).get(
        reverse(
            "appointments:garage_detail",
            kwargs={"garage_id": quote.garage_id, "appointment_id": appointment.pk},
        ),
        **EN,
    )
    assertContains(appointment_page, detail_url(quote))
    assertContains(appointment_page, accepted.description)
    listing = client_for(garage_admin).get(
        reverse("appointments:garage_list", kwargs={"garage_id": quote.garage_id}), **EN
    )
    assertContains(listing, detail_url(quote))


def test_a_declined_quote_shows_the_reason(client_for, garage_admin, car, owner):
    quote = sent_quote(car)
    services.quote_decline(quote=quote, actor=owner, reason="Te duur")
    assertContains(client_for(garage_admin).get(detail_url(quote), **EN), "Te duur")


# --- Work orders ---------------------------------------------------------------------------------


def test_a_work_order_is_issued_without_an_email(client_for, garage_admin, garage):
    stock = PassportFactory(garage=garage)
    record_check(stock, items=[item("tyres_front", Rating.NOW, "200.00", fix_before_delivery=True)])
    client = client_for(garage_admin)
    client.post(start_url(stock))
    work_order = Quote.objects.get(passport=stock)
    page = client.get(detail_url(work_order), **EN)
    assertContains(page, "Issue work order")
    assertNotContains(page, 'name="valid_until"')
    assertContains(page, "print.css")

    response = client.post(
        detail_url(work_order), form_data(work_order, current_rows(work_order), action="send")
    )
    assert response.status_code == 302
    work_order.refresh_from_db()
    assert work_order.state == Quote.State.SENT
    assert not Notification.objects.filter(kind=Notification.Kind.QUOTE_SENT).exists()
    assertContains(client.get(detail_url(work_order), **EN), "Issued")


# --- The list ------------------------------------------------------------------------------------


def test_the_list_shows_each_tab(client_for, garage_admin, garage, owner, car):
    sent = sent_quote(car)
    other = checked_car(garage, owner)
    draft = start(other)
    expired = sent_quote(checked_car(garage, owner))
    Quote.objects.filter(pk=expired.pk).update(valid_until=timezone.localdate() - timedelta(1))
    client = client_for(garage_admin)

    open_ = client.get(list_url(garage), **EN)
    assert [q.pk for q in open_.context["quotes"]] == [sent.pk]
    assertContains(open_, "incl. VAT" if sent.prices_include_vat else "excl. VAT")
    assert [q.pk for q in client.get(list_url(garage, show="draft")).context["quotes"]] == [
        draft.pk
    ]
    everything = client.get(list_url(garage, show="all"), **EN)
    assert {q.pk for q in everything.context["quotes"]} == {sent.pk, draft.pk, expired.pk}
    assertContains(everything, "Expired")
    assert client.get(list_url(garage, show="nonsense")).context["show"] == "open"


def test_the_list_pages_by_key(client_for, garage_admin, garage, owner, monkeypatch):
    from quotes import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    quotes = [start(checked_car(garage, owner)) for _ in range(3)]
    client = client_for(garage_admin)
    first = client.get(list_url(garage, show="draft"))
    assert [q.pk for q in first.context["quotes"]] == [quotes[2].pk, quotes[1].pk]
    second = client.get(list_url(garage) + "?" + first.context["next_query"])
    assert [q.pk for q in second.context["quotes"]] == [quotes[0].pk]
    assert second.context["next_query"] is None


def _count(client, url):
    client.get(url)  # once-per-process caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_list_costs_the_same_queries_for_1_or_30_quotes(client_for, garage_admin, garage):
    client = client_for(garage_admin)
    owner_cars = []
    from tests.accounts.factories import UserFactory

    owner_cars.append(checked_car(garage, UserFactory()))
    sent_quote(owner_cars[0])
    one = _count(client, list_url(garage, show="all"))
    for _ in range(29):
        sent_quote(checked_car(garage, UserFactory()))
    assert _count(client, list_url(garage, show="all")) == one


def test_the_detail_costs_the_same_queries_for_2_or_20_lines(client_for, garage_admin, car):
    client = client_for(garage_admin)
    quote = start(car)
    small = _count(client, detail_url(quote))
    findings = list(car.latest_check.items.all())
    for finding in findings:
        add_photos(car.latest_check, item=finding)
    services.quote_update(
        quote=quote,
        actor=garage_admin,
        lines=[line(f"Regel {n}", check_item_id=findings[n % 3].pk) for n in range(20)],
        valid_until=quote.valid_until,
    )
    assert _count(client, detail_url(quote)) == small
    sent = services.quote_send(quote=quote, actor=garage_admin)
    assert _count(client, detail_url(sent)) == small + 1  # + the appointments it led to
    assert QuoteLine.objects.filter(quote=sent).count() == 20


def test_the_appointment_pages_cost_the_same_with_a_quote(client_for, garage_admin, car, owner):
    quote = sent_quote(car)
    appointment = quote_approve_and_request(
        quote=quote,
        actor=owner,
        line_ids=[quote.lines.first().pk],
        slots=[Slot(date=timezone.localdate() + timedelta(days=3), part_of_day="morning")],
    )
    assert Appointment.objects.filter(quote=quote).count() == 1
    client = client_for(garage_admin)
    url = reverse("appointments:garage_list", kwargs={"garage_id": quote.garage_id})
    before = _count(client, url)
    for _ in range(5):
        from tests.accounts.factories import UserFactory

        other_owner = UserFactory()
        other = sent_quote(checked_car(car.garage, other_owner))
        quote_approve_and_request(
            quote=other,
            actor=other_owner,
            line_ids=[other.lines.first().pk],
            slots=[Slot(date=timezone.localdate() + timedelta(days=3), part_of_day="morning")],
        )
    assert _count(client, url) == before
    detail = reverse(
        "appointments:garage_detail",
        kwargs={"garage_id": quote.garage_id, "appointment_id": appointment.pk},
    )
    assert _count(client, detail) <= before + 2


# --- Phone width and Dutch -----------------------------------------------------------------------


def test_the_draft_is_one_card_per_line_with_the_keypads_that_fit(client_for, garage_admin, draft):
    from tests.autopaspoort.test_phone_layout import page

    document = page(client_for(garage_admin), detail_url(draft), **EN)
    cards = document.all("li", cls="quote-line")
    assert len(cards) == 3  # two findings and a spare row
    for number, card in enumerate(cards):
        inputs = {i.attrs["name"]: i for i in card.all("input")}
        for field in ("quantity", "unit_price"):
            element = inputs[f"lines-{number}-{field}"]
            assert element.attrs["inputmode"] == "decimal"
            assert card.all("label", **{"for": element.attrs["id"]})  # a visible label
        assert inputs[f"lines-{number}-DELETE"].attrs["type"] == "checkbox"
    bar = document.all("div", cls="save-bar")[0]
    assert [b.attrs["value"] for b in bar.all("button")] == ["save", "add", "send"]


def test_a_sent_quotes_lines_become_cards_on_a_phone(client_for, garage_admin, car):
    from tests.autopaspoort.test_phone_layout import page

    quote = sent_quote(car)
    document = page(client_for(garage_admin), detail_url(quote), **EN)
    (table,) = document.all("main")[0].all("table")
    assert "cards" in table.classes
    box = table.parent
    assert "table-scroll" in box.classes
    assert box.attrs["tabindex"] == "0"
    headers = [th.text() for th in table.all("thead")[0].all("th")]
    for row in table.all("tbody")[0].all("tr"):
        assert [td.attrs.get("data-label") for td in row.kids("td")] == headers


def test_the_pages_speak_dutch(client_for, garage_admin, car):
    client = client_for(garage_admin)
    assertContains(client.get(car.get_absolute_url(), **NL), "Offerte maken")
    quote = start(car)
    page = client.get(detail_url(quote), **NL)
    assertContains(page, "Versturen naar de eigenaar")
    assertContains(page, "Regel toevoegen")
    assertContains(page, "Totaal incl. btw")
    assertContains(client.get(list_url(car.garage), **NL), "Concepten")
