import factory
from factory.django import DjangoModelFactory

from notifications.models import Notification
from tests.accounts.factories import UserFactory


class NotificationFactory(DjangoModelFactory):
    """An outbox row written directly (nothing is enqueued): a pending staff_added notice."""

    class Meta:
        model = Notification

    kind = Notification.Kind.STAFF_ADDED
    user = factory.SubFactory(UserFactory)
    recipient = factory.LazyAttribute(lambda o: o.user.email if o.user else "nobody@example.nl")
    template = factory.LazyAttribute(lambda o: o.kind)
    context = factory.LazyFunction(
        lambda: {"garage_name": "Garage A", "role": "Monteur", "invited_by": "Beheerder A"}
    )
    language = "nl"
