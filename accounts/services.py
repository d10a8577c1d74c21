from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User, normalize_email
from core.errors import ApplicationError
from notifications.models import Notification
from notifications.services import notification_queue


def password_reset_request(*, email: str) -> None:
    """Email a set-password link if an active account has this address; silent otherwise.

    Silence is deliberate: the page must not tell a stranger which addresses have accounts.
    Invited users who never set a password may use this too (their invite may have expired).
    """
    user = User.objects.filter(email=normalize_email(email), is_active=True).first()
    if user is None:
        return
    notification_queue(kind=Notification.Kind.PASSWORD_RESET, recipient=user.email, user=user)


def user_create_invited(*, email: str, full_name: str = "") -> User:
    """A new person who will set a password from an emailed link (no usable password yet)."""
    return User.objects.create_user(email=email, password=None, full_name=full_name)


def user_require_unprivileged(*, user: User, field: str | None = "email") -> None:
    """A staff or superuser login never serves as a garage's account or has its email changed
    from a garage page: whoever controls that garage would take over the admin account."""
    if user.is_staff or user.is_superuser:
        raise ApplicationError(
            _("This login belongs to a staff account and cannot be used or changed here."),
            field=field,
        )


@transaction.atomic
def user_change_login_email(*, user: User, new_email: str, context: dict) -> User:
    """Change a login email; the old one stops working at once. Both addresses are told.

    `context` names what the change was about (e.g. the garage account) for the notices.
    """
    new_email = normalize_email(new_email)
    old_email = user.email
    if new_email == old_email:
        return user
    user_require_unprivileged(user=user)
    if User.objects.filter(email=new_email).exclude(pk=user.pk).exists():
        raise ApplicationError(
            _("This email address is already used by another account."), field="email"
        )
    user.email = new_email
    try:
        with transaction.atomic():  # savepoint: a concurrent taker of the address loses cleanly
            user.save(update_fields=["email"])
    except IntegrityError:
        user.email = old_email
        raise ApplicationError(
            _("This email address is already used by another account."), field="email"
        ) from None
    notice = {**context, "old_email": old_email, "new_email": new_email}
    notification_queue(
        kind=Notification.Kind.LOGIN_EMAIL_CHANGED_OLD,
        recipient=old_email,
        user=user,
        context=notice,
    )
    notification_queue(
        kind=Notification.Kind.LOGIN_EMAIL_CHANGED_NEW,
        recipient=new_email,
        user=user,
        context=notice,
    )
    return user
