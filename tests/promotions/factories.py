"""Promotions for the tests.

`PromotionFactory` writes a draft as `services.promotion_create` leaves it. Sending goes through
`services.promotion_send` (`send`), which fixes the owners and enqueues the batches; only the
query-count tests write sent promotions with their recipients and outbox rows directly
(`sent_promotion`).
"""

import factory
from django.urls import reverse
from django.utils import timezone
from factory.django import DjangoModelFactory

from notifications.models import Notification
from promotions.models import Promotion, PromotionRecipient
from promotions.services import promotion_send
from tests.garage.factories import GarageFactory
from tests.transfers.factories import EN, customer_passport, message_texts, messages_to

__all__ = ["EN", "customer_passport", "message_texts", "messages_to"]


class PromotionFactory(DjangoModelFactory):
    """A draft to all customers of `garage`."""

    class Meta:
        model = Promotion

    garage = factory.SubFactory(GarageFactory)
    subject = factory.Sequence(lambda n: f"Wintercheck actie {n}")
    body = "Laat uw auto nu winterklaar maken.\nKoffie staat klaar."
    segment = Promotion.Segment.ALL
    created_by = factory.SelfAttribute("garage.account_user")


def send(promotion, capture, *, actor=None):
    """Send the way the preview's button does, and run the batches and deliveries it enqueues
    (as the workers would after commit)."""
    with capture(execute=True):
        return promotion_send(promotion=promotion, actor=actor or promotion.garage.account_user)


def sent_promotion(garage, *, owners, states=()) -> Promotion:
    """A promotion sent to `owners`, whose outbox rows have `states` (one per owner, pending
    for the rest), written directly."""
    promotion = PromotionFactory(
        garage=garage,
        state=Promotion.State.SENT,
        sent_at=timezone.now(),
        sent_by=garage.account_user,
    )
    for index, owner in enumerate(owners):
        state = states[index] if index < len(states) else Notification.State.PENDING
        notification = Notification.objects.create(
            kind=Notification.Kind.PROMOTION,
            recipient=owner.email,
            user=owner,
            template="promotion",
            state=state,
            sent_at=timezone.now() if state == Notification.State.SENT else None,
        )
        PromotionRecipient.objects.create(
            promotion=promotion, user=owner, notification=notification
        )
    return promotion


def garage_url(name: str, garage) -> str:
    return reverse(f"promotions:{name}", kwargs={"garage_id": garage.pk})


def promotion_url(name: str, promotion, garage=None) -> str:
    garage_id = garage.pk if garage is not None else promotion.garage_id
    return reverse(
        f"promotions:{name}", kwargs={"garage_id": garage_id, "promotion_id": promotion.pk}
    )
