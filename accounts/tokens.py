"""One-time links that let a person set their password (reset, staff invitation).

The link is built when the email is delivered, never stored: a token in the outbox table would
let anyone who can read that table take over the account. Django's token is bound to the
password hash and last login, so it dies once used.
"""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode


def password_set_url(user) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password_set", kwargs={"uidb64": uidb64, "token": token})
    return f"{settings.SITE_URL}{path}"


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """The new owner's activation link: its own salt (a reset token is no activation token and
    vice versa) and its own lifetime, ACTIVATION_TIMEOUT_DAYS.

    The hash covers the email, password and active flag, so the link dies once used (the
    account becomes active with a password) and when the email is corrected.
    """

    key_salt = "autopaspoort.accounts.tokens.ActivationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}"

    def check_token(self, user, token):
        if not (user and token) or not isinstance(token, str):
            return False
        try:
            timestamp = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        age = self._num_seconds(self._now()) - timestamp
        if age > settings.ACTIVATION_TIMEOUT_DAYS * 24 * 60 * 60:
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )


activation_token_generator = ActivationTokenGenerator()


def activation_url(user) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = activation_token_generator.make_token(user)
    path = reverse("portal:activate", kwargs={"uidb64": uidb64, "token": token})
    return f"{settings.SITE_URL}{path}"
