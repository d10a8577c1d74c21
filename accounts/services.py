from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import lockout
from accounts.models import PrivacyEvent, User
from core.emails import normalize_email
from core.errors import ApplicationError
from core.queueing import enqueue_on_commit
from notifications.models import Notification
from notifications.services import notification_queue, notifications_erase_person

# Called with the account when a pending account becomes active; higher apps register here
# (transfers completes the cars waiting for it) so that every emailed link activates alike.
_activation_hooks: list[Callable[..., None]] = []


def on_account_activated(hook: Callable[..., None]) -> None:
    """Register `hook(user=...)`, run inside the activating transaction (AppConfig.ready)."""
    if hook not in _activation_hooks:
        _activation_hooks.append(hook)


# Called with the account (and the texts that identify the person) when its owner deletes it,
# inside the deleting transaction, before the account itself is anonymised; higher apps
# register here (transfers: open transfers, the cars, transfer records; appointments, reminders,
# sharing, fleet: their own rows). Each hook returns the texts it erased besides the account's
# own (a name or phone typed on a passport), so the outbox is searched for those too.
_deletion_hooks: list[Callable[..., list[str] | None]] = []


def on_account_deleted(hook: Callable[..., list[str] | None]) -> None:
    """Register `hook(user=..., now=...)` (AppConfig.ready)."""
    if hook not in _deletion_hooks:
        _deletion_hooks.append(hook)


def is_pending(user: User) -> bool:
    """An account made for someone who has not set a password yet (a new owner): inactive
    and without a usable password. A deactivated account keeps its password, so it is not; an
    erased one (its owner deleted it) never becomes active again."""
    return not user.is_active and not user.has_usable_password() and not is_erased(user)


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


# --- AVG: the owner's own data ------------------------------------------------------------------


def erased_email(user: User) -> str:
    """The address an erased account keeps: unique, unroutable (RFC 2606 `.invalid`)."""
    return f"deleted-{user.pk}@deleted.invalid"


def is_erased(user: User) -> bool:
    return user.email == erased_email(user)


def account_delete_refusal(*, user: User) -> str | None:
    """Why this account cannot be deleted from the portal, or None. Support, a garage's login,
    garage staff and fleet managers work for others: support removes those by hand (their
    garage or fleet must not lose its login unannounced). Read by name (reverse accessors):
    accounts does not import garage or fleet."""
    works_for_others = (
        user.is_staff
        or user.is_superuser
        or getattr(user, "account_garage", None) is not None
        or user.garage_memberships.exists()
        or user.fleet_memberships.exists()
    )
    if works_for_others:
        return _(
            "Your login is also used for a garage, a fleet or support, so it cannot be "
            "deleted here. Email %(email)s and we will remove it with you."
        ) % {"email": settings.SUPPORT_EMAIL}
    return None


def data_export_record(*, user: User) -> PrivacyEvent:
    """The audit record of a download of one's data (who, when)."""
    return PrivacyEvent.objects.create(kind=PrivacyEvent.Kind.DATA_EXPORT, user=user)


@transaction.atomic
def account_delete(*, user: User) -> PrivacyEvent:
    """Erase a person (AVG art. 17); the caller has checked their password.

    The registered hooks deal with what other apps hold (open transfers are cancelled, cars
    they own return to their garage as "owner left", contact details typed for them are
    cleared; the cars' histories stay with the cars). Then the outbox forgets them, their
    failed-login records go, and the account is anonymised: a placeholder address, no name,
    an unusable password (every session of theirs ends: Django checks the password's hash on
    each request) and inactive. The row stays, so records that point at it (a transfer's
    "previous owner", this audit row) keep their shape without naming anyone."""
    user = User.objects.select_for_update().get(pk=user.pk)
    refusal = account_delete_refusal(user=user)
    if refusal:
        raise ApplicationError(refusal)
    if is_erased(user):
        raise ApplicationError(_("This account has already been deleted."))
    now = timezone.now()
    email = user.email
    texts = [email, user.full_name]
    for hook in _deletion_hooks:
        texts += hook(user=user, now=now) or []
    placeholder = erased_email(user)
    notifications_erase_person(user=user, email=email, texts=texts, placeholder=placeholder)
    lockout.account_unlock(email=email)
    user.email = placeholder
    user.full_name = ""
    user.is_active = False
    user.reminders_enabled = False
    user.promotions_enabled = False
    user.check_reports_enabled = False
    user.set_unusable_password()
    user.save(
        update_fields=[
            "email",
            "full_name",
            "is_active",
            "reminders_enabled",
            "promotions_enabled",
            "check_reports_enabled",
            "password",
        ]
    )
    user.groups.clear()
    user.user_permissions.clear()
    _erase_admin_history(user=user, placeholder=placeholder)
    return PrivacyEvent.objects.create(kind=PrivacyEvent.Kind.ACCOUNT_DELETED, user=user)


def _erase_admin_history(*, user: User, placeholder: str) -> None:
    """The admin's history of the account itself names it (its address, the values support
    changed): kept as a record that support changed something, without the values."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
    ).update(object_repr=placeholder, change_message="")
