"""The one-click unsubscribe link of every reminder and promotion email.

The token is a signature over the address the email went to and the topic it is about (its own
salt: no other signed value of the app is accepted here). It never expires: an email read months
later must still let its reader stop the next one, and all it can do is switch off mail to the
address it names. It is built when the email is rendered, like the password links, so the outbox
holds no tokens.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from core.emails import normalize_email
from notifications.models import Topic

# Named after the app that first made these links: links in emails already sent stay valid.
SALT = "autopaspoort.reminders.unsubscribe"


def unsubscribe_token(*, email: str, topic: str) -> str:
    return signing.dumps({"email": normalize_email(email), "topic": str(topic)}, salt=SALT)


def unsubscribe_read(token: str) -> tuple[str, str] | None:
    """(email, topic) of a valid token, or None for anything tampered, truncated or odd."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    email, topic = data.get("email"), data.get("topic")
    if not isinstance(email, str) or not email or topic not in Topic.values:
        return None
    return email, topic


def unsubscribe_url(*, email: str, topic: str) -> str:
    path = reverse(
        "notifications:unsubscribe", kwargs={"token": unsubscribe_token(email=email, topic=topic)}
    )
    return f"{settings.SITE_URL}{path}"
