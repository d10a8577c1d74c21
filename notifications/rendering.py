"""Turn an outbox row into an email message, in the recipient's language."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.tokens import password_set_url
from notifications.models import Notification

# Kinds whose email carries a fresh one-time "set your password" link (never stored).
PASSWORD_LINK_KINDS = {Notification.Kind.PASSWORD_RESET, Notification.Kind.STAFF_INVITE}


def build_message(notification: Notification) -> EmailMultiAlternatives:
    context = {
        **notification.context,
        "site_url": settings.SITE_URL,
        "login_url": settings.SITE_URL + reverse("accounts:login"),
        "recipient": notification.recipient,
    }
    if notification.kind in PASSWORD_LINK_KINDS and notification.user is not None:
        context["password_set_url"] = password_set_url(notification.user)
    base = f"notifications/{notification.template}"
    with translation.override(notification.language):
        subject = render_to_string(f"{base}_subject.txt", context)
        text = render_to_string(f"{base}_body.txt", context)
        html = render_to_string(f"{base}_body.html", context)
    message = EmailMultiAlternatives(
        # A subject is one line, whatever the template's trailing newline.
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient],
    )
    message.attach_alternative(html, "text/html")
    return message
