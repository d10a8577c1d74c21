"""Support and the promotions in the admin (promotions/admin.py, migrations/0002)."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from pytest_django.asserts import assertContains

from promotions.models import Promotion
from tests.promotions.factories import PromotionFactory, customer_passport, send

pytestmark = pytest.mark.django_db


def test_the_support_group_may_read_promotions():
    support = Group.objects.get(name="support")

    assert set(
        support.permissions.filter(content_type__app_label="promotions").values_list(
            "codename", flat=True
        )
    ) == {"view_promotion", "view_promotionrecipient"}


def test_support_reads_what_a_garage_sent_and_to_whom(
    client_for, support_user, garage, owner, django_capture_on_commit_callbacks
):
    customer_passport(garage, owner)
    promotion = send(PromotionFactory(garage=garage), django_capture_on_commit_callbacks)
    client = client_for(support_user)

    assertContains(client.get(reverse("admin:promotions_promotion_changelist")), promotion.subject)
    assertContains(
        client.get(reverse("admin:promotions_promotionrecipient_changelist")), owner.email
    )
    change = client.post(
        reverse("admin:promotions_promotion_change", args=[promotion.pk]), {"subject": "x"}
    )
    assert change.status_code == 403
    assert Promotion.objects.get().subject == promotion.subject
