"""The outbox forgets a person who deleted their account: rows to them lose address and content
(pending ones are cancelled), rows that quote them lose those values, nothing else changes."""

import pytest

from notifications.models import EmailOptOut, Notification
from notifications.services import ERASED, notifications_erase_person
from tests.accounts.factories import UserFactory
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db


def test_rows_to_them_are_blanked_and_rows_quoting_them_scrubbed_by_whole_words():
    jan = UserFactory(email="jan@example.nl", full_name="Jan")
    garage_user = UserFactory(email="garage@example.nl")
    to_jan = NotificationFactory(user=jan, context={"plate": "GJ-55-55"})
    sent_to_jan = NotificationFactory(user=jan, state="sent", sent_at="2026-01-01T00:00:00Z")
    quoting = NotificationFactory(
        user=garage_user,
        context={"owner_name": "Jan", "note": "Bel Jan terug", "date": "4 januari 2027"},
    )
    unrelated = NotificationFactory(
        user=garage_user, context={"garage_name": "Garage Jansen", "date": "9 januari 2027"}
    )
    EmailOptOut.objects.create(email="jan@example.nl", topic="reminders")

    changed = notifications_erase_person(
        user=jan, email=jan.email, texts=[jan.email, "Jan"], placeholder="x@deleted.invalid"
    )

    assert changed == 3
    to_jan.refresh_from_db()
    assert (to_jan.recipient, to_jan.context, to_jan.state) == (
        "x@deleted.invalid",
        {},
        Notification.State.CANCELLED,
    )
    sent_to_jan.refresh_from_db()
    assert sent_to_jan.state == Notification.State.SENT  # a record of what was sent, blanked
    assert sent_to_jan.recipient == "x@deleted.invalid"
    quoting.refresh_from_db()
    assert quoting.context == {"owner_name": ERASED, "note": ERASED, "date": "4 januari 2027"}
    unrelated.refresh_from_db()
    assert unrelated.context == {"garage_name": "Garage Jansen", "date": "9 januari 2027"}
    assert not EmailOptOut.objects.exists()
