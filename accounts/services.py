from collections.abc import Callable
from functools import partial

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts import lockout
from accounts.models import User
from core.emails import normalize_email
from core.errors import ApplicationError
from core.queueing import enqueue_on_commit
from notifications.models import Notification
from notifications.services import notification_queue

# Called with the account when a pending account becomes active; higher apps register here
# (transfers completes the cars waiting for it) so that every emailed link activates alike.
_activation_hooks: list[Callable[..., None]] = []


def on_account_activated(hook: Callable[..., None]) -> None:
    """Register `hook(user=...)`, run inside the activating transaction (AppConfig.ready)."""
    if hook not in _activation_hooks:
        _activation_hooks.append(hook)


def is_pending(user: User) -> bool:
    """An account made for someone who has not set a password yet (a new owner): inactive
    and without a usable password. A deactivated account keeps its password, so it is not."""
    return not user.is_active and not user.has_usable_password()


@transaction.atomic
def user_password_set(*, user: User, password: str, activate: bool = False) -> User:
    """Set a password from an emailed link (reset, staff or fleet invitation, activation).

    The link proved the person reads the account's mailbox, so a pending account becomes
    active here, whichever link it was: one account, one state, never "inactive with a
    password". The login lockout of the account (from every address) ends as well.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    activated = is_pending(user)
    user.set_password(password)
    user.is_active = user.is_active or activated
    user.save(update_fields=["password", "is_active"])
    if activated:
        for hook in _activation_hooks:
            hook(user=user)
    lockout.account_unlock(email=user.email)
    return user


def password_reset_request(*, email: str) -> None:
    """Email a set-password link if an account can use one; silent otherwise.

    The request does the same work for every address (it only enqueues a task); the lookup
    happens in the task, so neither the answer nor its timing tells a stranger which
    addresses have accounts.
    """
    from accounts.tasks import send_password_reset

    normalized = normalize_email(email)
    # With the broker down the lookup runs here: the email is then written to the outbox, whose
    # sweep delivers it (only then does the answer take longer for a known address, which
    # beats losing the email).
    enqueue_on_commit(
        send_password_reset, normalized, fallback=partial(password_reset_send, email=normalized)
    )


def password_reset_send(*, email: str) -> Notification | None:
    """The task's half of `password_reset_request`: queue the email if an active or pending
    account has this address (a pending owner or invitee whose first link expired)."""
    user = User.objects.filter(email=normalize_email(email)).first()
    if user is None or not (user.is_active or is_pending(user)):
        return None
    return notification_queue(
        kind=Notification.Kind.PASSWORD_RESET, recipient=user.email, user=user
    )


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
