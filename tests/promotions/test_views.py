"""The garage's promotion pages: who may use them, the write → preview → send flow, the counts
the garage sees, and their query counts."""

import pytest
from django.core import mail
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from notifications.models import Notification
from promotions.models import Promotion
from tests.accounts.factories import UserFactory
from tests.promotions.factories import (
    EN,
    PromotionFactory,
    customer_passport,
    garage_url,
    promotion_url,
    send,
    sent_promotion,
)
from tests.reminders.factories import days_from_today, service

pytestmark = pytest.mark.django_db

State = Notification.State


def form_data(**changes):
    return {
        "subject": "Wintercheck",
        "body": "Nu met gratis koffie.",
        "ends_on": "",
        "segment": "all",
        "apk_within_days": "",
        "make": "",
        "fuel": "",
        **changes,
    }


def all_pages(promotion, garage=None):
    return [
        ("get", garage_url("list", garage or promotion.garage)),
        ("get", garage_url("create", garage or promotion.garage)),
        ("post", garage_url("create", garage or promotion.garage)),
        ("get", promotion_url("preview", promotion, garage)),
        ("get", promotion_url("edit", promotion, garage)),
        ("post", promotion_url("send", promotion, garage)),
        ("get", promotion_url("detail", promotion, garage)),
    ]


# --- Who may -------------------------------------------------------------------------------


def test_mechanics_get_403_on_every_promotion_page(client_for, garage, mechanic, owner):
    customer_passport(garage, owner)
    promotion = PromotionFactory(garage=garage)
    client = client_for(mechanic)

    for method, url in all_pages(promotion):
        assert getattr(client, method)(url, form_data()).status_code == 403, url
    assert not Notification.objects.exists()
    assert Promotion.objects.count() == 1


def test_another_garages_staff_get_404(client_for, garage, other_garage, other_garage_staff):
    promotion = PromotionFactory(garage=garage)
    client = client_for(other_garage_staff)

    for method, url in all_pages(promotion):  # garage A's pages
        assert getattr(client, method)(url, form_data()).status_code == 404, url
    for method, url in all_pages(promotion, garage=other_garage)[3:]:  # A's promotion under B
        assert getattr(client, method)(url).status_code == 404, url


def test_anonymous_visitors_are_sent_to_the_login(anonymous, garage):
    url = garage_url("list", garage)

    assert anonymous.get(url).status_code == 302


@pytest.mark.parametrize("persona", ["garage_admin", "sales"])
def test_admins_and_sales_may_write_promotions(client_for, garage, persona, request):
    response = client_for(request.getfixturevalue(persona)).get(garage_url("list", garage), **EN)

    assert response.status_code == 200
    assertContains(response, "Messages to customers")


# --- Write, preview, send ------------------------------------------------------------------


def test_write_preview_and_send_reaches_the_counted_owners(
    client_for, garage, sales, django_capture_on_commit_callbacks
):
    owners = [UserFactory(language="en") for _ in range(3)]
    for person in owners:
        customer_passport(garage, person, make="VOLKSWAGEN")
    customer_passport(garage, owners[0], make="VOLKSWAGEN")  # a second car: still one email
    customer_passport(garage, UserFactory(promotions_enabled=False), make="VOLKSWAGEN")
    client = client_for(sales)

    response = client.post(
        garage_url("create", garage), form_data(segment="make", make="VOLKSWAGEN"), **EN
    )
    promotion = Promotion.objects.get()
    assertRedirects(response, promotion_url("preview", promotion))
    assert (promotion.created_by, promotion.segment_value, promotion.is_draft) == (
        sales,
        "VOLKSWAGEN",
        True,
    )
    preview = client.get(promotion_url("preview", promotion), **EN)
    assert preview.context["reach"].count == 3
    assert preview.context["reach"].opted_out == 1
    assertContains(preview, "Send to 3 owners")
    assertContains(preview, "Customers with a VOLKSWAGEN")
    assert not Notification.objects.exists()  # the preview sends nothing

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(promotion_url("send", promotion), follow=True, **EN)

    assertRedirects(sent, promotion_url("detail", promotion))
    assertContains(sent, "The message is on its way to 3 owners.")
    assert Notification.objects.filter(kind=Notification.Kind.PROMOTION).count() == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in owners)
    detail = client.get(promotion_url("detail", promotion), **EN)
    counts = detail.context["promotion"]
    assert (counts.reached, counts.sent_count, counts.failed_count, counts.queued_count) == (
        3,
        3,
        0,
        0,
    )


def test_the_form_refuses_incomplete_segments_and_past_end_dates(client_for, garage, sales):
    customer_passport(garage, UserFactory(), make="TOYOTA", fuel="Hybride")
    client = client_for(sales)

    for changes, field in [
        ({"segment": "apk_due"}, "apk_within_days"),
        ({"segment": "make"}, "make"),
        ({"segment": "fuel", "fuel": "Kerosine"}, "fuel"),
        ({"ends_on": days_from_today(-1).isoformat()}, "ends_on"),
        ({"subject": ""}, "subject"),
    ]:
        response = client.post(garage_url("create", garage), form_data(**changes), **EN)
        assert response.status_code == 200
        assert field in response.context["form"].errors, changes
    assert not Promotion.objects.exists()


def test_the_form_offers_the_makes_and_fuels_of_the_garages_customers(
    client_for, garage, other_garage, sales
):
    customer_passport(garage, UserFactory(), make="TOYOTA", fuel="Hybride")
    customer_passport(other_garage, UserFactory(), make="TESLA", fuel="Elektriciteit")

    form = client_for(sales).get(garage_url("create", garage)).context["form"]

    assert [value for value, _label in form.fields["make"].choices] == ["", "TOYOTA"]
    assert [value for value, _label in form.fields["fuel"].choices] == ["", "Hybride"]


def test_a_draft_can_be_changed_before_it_is_sent(client_for, garage, sales):
    promotion = PromotionFactory(garage=garage)
    client = client_for(sales)
    page = client.get(promotion_url("edit", promotion))
    assert page.context["form"].initial["subject"] == promotion.subject

    response = client.post(
        promotion_url("edit", promotion),
        form_data(subject="APK-actie", segment="apk_due", apk_within_days="45"),
    )

    assertRedirects(response, promotion_url("preview", promotion))
    promotion.refresh_from_db()
    assert (promotion.subject, promotion.segment, promotion.apk_within_days) == (
        "APK-actie",
        "apk_due",
        45,
    )


def test_a_sent_promotion_shows_its_record_instead_of_the_form_or_preview(
    client_for, garage, sales, owner, django_capture_on_commit_callbacks
):
    customer_passport(garage, owner)
    promotion = send(PromotionFactory(garage=garage), django_capture_on_commit_callbacks)
    client = client_for(sales)

    for name in ("edit", "preview"):
        assertRedirects(
            client.get(promotion_url(name, promotion)), promotion_url("detail", promotion)
        )
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(promotion_url("send", promotion), follow=True, **EN)
    assertContains(again, "This message has already been sent.")
    assert Notification.objects.filter(kind=Notification.Kind.PROMOTION).count() == 1


def test_a_draft_detail_opens_its_preview(client_for, garage, sales):
    promotion = PromotionFactory(garage=garage)

    response = client_for(sales).get(promotion_url("detail", promotion))

    assertRedirects(response, promotion_url("preview", promotion))


def test_an_ended_promotion_has_no_send_button_and_is_refused(
    client_for, garage, sales, owner, django_capture_on_commit_callbacks
):
    customer_passport(garage, owner)
    promotion = PromotionFactory(garage=garage, ends_on=days_from_today(-1))
    client = client_for(sales)

    preview = client.get(promotion_url("preview", promotion), **EN)
    assertContains(preview, "it can no longer be sent")
    assertNotContains(preview, promotion_url("send", promotion))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(promotion_url("send", promotion), follow=True, **EN)

    assertRedirects(response, promotion_url("preview", promotion))
    assertContains(response, "can no longer be sent")
    assert not Notification.objects.exists()


def test_sending_is_a_post(client_for, garage, sales):
    promotion = PromotionFactory(garage=garage)

    assert client_for(sales).get(promotion_url("send", promotion)).status_code == 405


# --- Counts --------------------------------------------------------------------------------


def test_the_garage_sees_reached_sent_and_failed(client_for, garage, sales):
    owners = [UserFactory() for _ in range(4)]
    promotion = sent_promotion(garage, owners=owners, states=[State.SENT, State.SENT, State.FAILED])
    client = client_for(sales)

    detail = client.get(promotion_url("detail", promotion), **EN).context["promotion"]
    [listed] = client.get(garage_url("list", garage), **EN).context["page"].promotions

    for shown in (detail, listed):
        assert (shown.reached, shown.sent_count, shown.failed_count, shown.queued_count) == (
            4,
            2,
            1,
            1,
        )


def test_the_list_shows_only_the_garages_own_promotions(client_for, garage, other_garage, sales):
    own = PromotionFactory(garage=garage)
    PromotionFactory(garage=other_garage)

    page = client_for(sales).get(garage_url("list", garage)).context["page"]

    assert page.promotions == [own]


def test_the_list_pages_by_id(client_for, garage, sales, monkeypatch):
    monkeypatch.setattr("promotions.selectors.PAGE_SIZE", 2)
    promotions = [PromotionFactory(garage=garage) for _ in range(3)]
    client = client_for(sales)

    first = client.get(garage_url("list", garage)).context["page"]
    second = client.get(garage_url("list", garage), {"after": first.next_after}).context["page"]

    assert first.promotions == promotions[:0:-1]
    assert (second.promotions, second.next_after) == ([promotions[0]], None)


# The visit: user (the session comes from the cache), membership (with the garage), the navigation,
# and one query for the page of promotions with all their counts.
LIST_QUERIES = 4


@pytest.mark.parametrize("promotions", [1, 12])
def test_the_list_query_count_does_not_grow_with_promotions_or_recipients(
    client_for, garage, sales, django_assert_num_queries, promotions
):
    owners = [UserFactory() for _ in range(3)]
    for index in range(promotions):
        sent_promotion(garage, owners=owners, states=[State.SENT, State.FAILED])
        PromotionFactory(garage=garage, subject=f"Concept {index}")
    client = client_for(sales)

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(garage_url("list", garage), **EN)

    assert response.status_code == 200
    assert len(response.context["page"].promotions) == min(2 * promotions, 25)


# The visit (4, as above), the promotion with its counts, and who it reaches (one query; the
# "maintenance due" segment reads the cars' services, odometer readings and own service
# intervals per chunk: 4 more).
PREVIEW_QUERIES = 5


@pytest.mark.parametrize("owners", [1, 15])
@pytest.mark.parametrize(
    ("segment", "extra"), [("all", 0), ("maintenance_due", 4)], ids=["all", "maintenance"]
)
def test_the_preview_query_count_does_not_grow_with_the_owners(
    client_for, garage, sales, django_assert_num_queries, owners, segment, extra
):
    for _ in range(owners):
        passport = customer_passport(garage, UserFactory())
        service(passport, days_ago=400, km=10_000)
    promotion = PromotionFactory(garage=garage, segment=segment)
    client = client_for(sales)

    with django_assert_num_queries(PREVIEW_QUERIES + extra):
        response = client.get(promotion_url("preview", promotion), **EN)

    assert response.context["reach"].count == owners


DETAIL_QUERIES = 4


@pytest.mark.parametrize("owners", [2, 20])
def test_the_detail_query_count_does_not_grow_with_the_recipients(
    client_for, garage, sales, django_assert_num_queries, owners
):
    promotion = sent_promotion(
        garage, owners=[UserFactory() for _ in range(owners)], states=[State.SENT, State.FAILED]
    )
    client = client_for(sales)

    with django_assert_num_queries(DETAIL_QUERIES):
        response = client.get(promotion_url("detail", promotion), **EN)

    assert response.context["promotion"].reached == owners
