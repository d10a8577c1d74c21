"""promotions.selectors: a garage reads only its own promotions and customers; the list is newest
first with its counts in one query; the reach is the distinct owners who may be emailed."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from notifications.models import EmailOptOut, Notification, Topic
from promotions import selectors
from promotions.models import Promotion, PromotionRecipient
from tests.accounts.factories import UserFactory
from tests.promotions.factories import PromotionFactory, customer_passport, sent_promotion

pytestmark = pytest.mark.django_db

Segment = Promotion.Segment
State = Notification.State


def counts(promotion):
    return (
        promotion.reached,
        promotion.sent_count,
        promotion.failed_count,
        promotion.queued_count,
        promotion.skipped_count,
    )


# --- promotion_list / promotion_get ----------------------------------------------------------


def test_the_list_holds_only_the_garages_promotions_newest_first(garage, other_garage):
    older, newer = PromotionFactory(garage=garage), PromotionFactory(garage=garage)
    PromotionFactory(garage=other_garage)

    page = selectors.promotion_list(garage=garage)

    assert (page.promotions, page.next_after) == ([newer, older], None)


def test_the_list_pages_by_id_without_skipping_or_repeating(garage, other_garage):
    made = [PromotionFactory(garage=garage) for _ in range(5)]
    PromotionFactory(garage=other_garage)  # its id falls between pages; it never shows

    seen, after = [], None
    for _ in range(3):
        page = selectors.promotion_list(garage=garage, after=after, page_size=2)
        seen.append(page.promotions)
        after = page.next_after

    assert seen == [made[4:2:-1], made[2:0:-1], made[:1]]
    assert after is None


@pytest.mark.parametrize("promotions", [1, 8])
def test_the_list_reads_every_promotions_counts_in_one_query(
    garage, django_assert_num_queries, promotions
):
    owners = [UserFactory() for _ in range(4)]
    for _ in range(promotions):
        sent_promotion(garage, owners=owners, states=[State.SENT, State.FAILED, State.CANCELLED])

    with django_assert_num_queries(1):
        page = selectors.promotion_list(garage=garage)
        names = [(p.created_by.email, p.sent_by.email) for p in page.promotions]

    assert [counts(p) for p in page.promotions] == [(4, 1, 1, 1, 1)] * promotions
    assert len(names) == promotions


def test_a_recipient_not_yet_emailed_counts_as_queued_and_a_skipped_one_as_skipped(garage):
    promotion = sent_promotion(garage, owners=[])
    PromotionRecipient.objects.create(promotion=promotion, user=UserFactory())
    PromotionRecipient.objects.create(promotion=promotion, user=UserFactory(), skipped=True)

    assert counts(selectors.promotion_get(garage=garage, promotion_id=promotion.pk)) == (
        2,
        0,
        0,
        1,
        1,
    )


def test_another_garages_promotion_is_a_404(garage, other_garage):
    theirs = PromotionFactory(garage=other_garage)

    with pytest.raises(Http404):
        selectors.promotion_get(garage=garage, promotion_id=theirs.pk)


# --- who a promotion reaches ---------------------------------------------------------------


def test_the_reach_is_each_active_customer_of_this_garage_once(
    garage, other_garage, owner, other_owner
):
    customer_passport(garage, owner)
    customer_passport(garage, owner)  # two cars, one email
    customer_passport(other_garage, other_owner)
    gone = UserFactory(is_active=False)
    customer_passport(garage, gone)

    reach = selectors.reach_for(garage=garage, segment=Segment.ALL)

    assert (reach.owner_ids, reach.opted_out, reach.count) == ([owner.pk], 0, 1)


def test_owners_who_switched_promotions_off_are_counted_but_not_reached(garage, owner):
    in_portal, by_link = UserFactory(promotions_enabled=False), UserFactory()
    EmailOptOut.objects.create(email=by_link.email, topic=Topic.PROMOTIONS)
    EmailOptOut.objects.create(email=owner.email, topic=Topic.REMINDERS)  # another topic
    for person in (owner, in_portal, by_link):
        customer_passport(garage, person)

    reach = selectors.reach_for(garage=garage, segment=Segment.ALL)

    assert (reach.owner_ids, reach.opted_out) == ([owner.pk], 2)


def test_make_and_fuel_segments_ignore_case(garage, owner, other_owner):
    customer_passport(garage, owner, make="VOLVO", fuel="Diesel")
    customer_passport(garage, other_owner, make="OPEL", fuel="Benzine")

    by_make = selectors.reach_for(garage=garage, segment=Segment.MAKE, segment_value="volvo")
    by_fuel = selectors.reach_for(garage=garage, segment=Segment.FUEL, segment_value="BENZINE")

    assert (by_make.owner_ids, by_fuel.owner_ids) == ([owner.pk], [other_owner.pk])


def test_the_apk_segment_takes_cars_whose_apk_ends_within_the_days_from_today(garage):
    today = timezone.localdate()
    owners = [UserFactory() for _ in range(4)]
    for person, days in zip(owners, [-1, 0, 30, 31], strict=True):
        customer_passport(garage, person, apk_expires=today + timedelta(days=days))

    reach = selectors.reach_for(
        garage=garage, segment=Segment.APK_DUE, apk_within_days=30, today=today
    )

    assert reach.owner_ids == [owners[1].pk, owners[2].pk]


def test_the_form_offers_the_makes_and_fuels_of_the_garages_customers_only(
    garage, other_garage, owner, other_owner, django_assert_num_queries
):
    customer_passport(garage, owner, make="VOLVO", fuel="Diesel")
    customer_passport(garage, other_owner, make="AUDI", fuel="")
    customer_passport(other_garage, owner, make="TESLA", fuel="Elektriciteit")

    with django_assert_num_queries(1):
        makes, fuels = selectors.segment_options(garage=garage)

    assert (makes, fuels) == (["AUDI", "VOLVO"], ["Diesel"])
