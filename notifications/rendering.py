"""Turn an outbox row into an email message, in the recipient's language."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from core.text import single_stop
from notifications import links
from notifications.models import Notification, Topic
from notifications.tokens import unsubscribe_url

# Kinds whose email carries a one-click unsubscribe link for the address it goes to (also for a
# driver without an account), built at delivery like the one-time links (notifications.links).
# Kinds and topics are both this app's own lists, so the table lives here rather than being
# registered by the apps that queue these kinds.
UNSUBSCRIBE_TOPICS = {
    Notification.Kind.REMINDER_APK: Topic.REMINDERS,
    Notification.Kind.REMINDER_MAINTENANCE: Topic.REMINDERS,
    # A recall is about the car's roadworthiness like the APK: the same switch stops both.
    Notification.Kind.RECALL_OPEN: Topic.REMINDERS,
    Notification.Kind.PROMOTION: Topic.PROMOTIONS,
    Notification.Kind.CHECK_RECORDED: Topic.CHECK_REPORTS,
}


# Kinds whose text invites a reply (security notices, and news a person may want to ask about):
# they carry Reply-To: SUPPORT_EMAIL, as the sender is a no-reply address.
REPLY_TO_SUPPORT = frozenset(
    {
        Notification.Kind.LOGIN_EMAIL_CHANGED_OLD,
        Notification.Kind.TRANSFER_RECEIPT,
        Notification.Kind.TRANSFER_CANCELLED,
        Notification.Kind.OWNER_LEFT,
        Notification.Kind.INVOICE_ISSUED,  # questions about an invoice go to support
    }
)


class StaleRecipient(Exception):
    """A one-time link must only go to the account's current address; this row's address was
    corrected after it was queued (the correction sent its own email)."""


def check_recipient(notification: Notification) -> None:
    if (
        links.carries_link(notification.kind)
        and notification.user is not None
        and notification.recipient != notification.user.email
    ):
        raise StaleRecipient(notification.recipient)


def build_message(notification: Notification) -> EmailMultiAlternatives:
    context = {
        **notification.context,
        "site_url": settings.SITE_URL,
        "login_url": settings.SITE_URL + reverse("accounts:login"),
        "portal_url": settings.SITE_URL + reverse("portal:home"),
        "recipient": notification.recipient,
        "support_email": settings.SUPPORT_EMAIL,
        # Every email's footer links the privacy statement and the terms (legal app).
        "privacy_url": settings.SITE_URL + reverse("legal:privacy"),
        "terms_url": settings.SITE_URL + reverse("legal:terms"),
        "replies_to_support": notification.kind in REPLY_TO_SUPPORT,
        # The login notice says so in its own words; the others get the footer's line.
        "kind_invites_reply": notification.kind != Notification.Kind.LOGIN_EMAIL_CHANGED_OLD,
        **links.build(notification.kind, notification.user),
    }
    headers = {}
    if notification.kind in UNSUBSCRIBE_TOPICS:
        link = unsubscribe_url(
            email=notification.recipient, topic=UNSUBSCRIBE_TOPICS[notification.kind]
        )
        context["unsubscribe_url"] = link
        # RFC 8058: mail programs show an "unsubscribe" button that POSTs to the link.
        headers = {
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    base = f"notifications/{notification.template}"
    with translation.override(notification.language):
        # A garage or fleet name may end a sentence in one language and not in the other:
        # every email is checked as written ("bij Jansen B.V.." -> "bij Jansen B.V.").
        subject = single_stop(render_to_string(f"{base}_subject.txt", context))
        text = single_stop(
            render_to_string(f"{base}_body.txt", context)
            + render_to_string("notifications/_footer.txt", context)
        )
        html = single_stop(render_to_string(f"{base}_body.html", context))
    message = EmailMultiAlternatives(
        # A subject is one line, whatever the template's trailing newline.
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient],
        reply_to=[settings.SUPPORT_EMAIL] if notification.kind in REPLY_TO_SUPPORT else None,
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message
