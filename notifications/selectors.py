"""Reads about who wants which emails."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from notifications.models import EmailOptOut, Notification, Topic

# The switch of each topic on the user model (AUTH_USER_MODEL): read and written here by field
# name, so this app needs no import of the accounts app.
PREFERENCE_FIELDS = {
    Topic.REMINDERS: "reminders_enabled",
    Topic.PROMOTIONS: "promotions_enabled",
    Topic.CHECK_REPORTS: "check_reports_enabled",
}


def opted_out_emails(*, emails: Iterable[str], topic: str) -> set[str]:
    """Which of these addresses get no `topic` emails: an account that switched it off, or an
    address that used the link in an email. One query."""
    emails = sorted(set(emails))
    if not emails:
        return set()
    # No ORDER BY inside the UNION's parts: SQLite refuses it.
    by_link = (
        EmailOptOut.objects.filter(email__in=emails, topic=topic).order_by().values_list("email")
    )
    by_account = (
        get_user_model()
        .objects.filter(email__in=emails, **{PREFERENCE_FIELDS[topic]: False})
        .order_by()
        .values_list("email")
    )
    return {email for (email,) in by_link.union(by_account)}


def notifications_to(*, user) -> QuerySet[Notification]:
    """The emails sent (or queued) to this person's account (their data download)."""
    return Notification.objects.filter(user=user, recipient=user.email).order_by("-created_at")


def opt_outs_of(*, email: str) -> list[str]:
    """The topics this address stopped from a link in an email."""
    return list(EmailOptOut.objects.filter(email=email).values_list("topic", flat=True))
