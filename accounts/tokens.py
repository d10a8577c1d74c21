"""One-time links that let a person set their password (reset, staff invitation).

The link is built when the email is delivered, never stored: a token in the outbox table would
let anyone who can read that table take over the account. Django's token is bound to the
password hash and last login, so it dies once used.
"""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode


def password_set_url(user) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password_set", kwargs={"uidb64": uidb64, "token": token})
    return f"{settings.SITE_URL}{path}"
