import hashlib
import secrets
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import (
    user_change_login_email,
    user_create_invited,
    user_require_unprivileged,
)
from core.emails import normalize_email
from core.errors import ApplicationError
from garage.access import require_role
from garage.models import ApiToken, Garage, Membership
from garage.selectors import garage_forget, membership_forget
from notifications.models import Notification
from notifications.services import notification_queue

SETTINGS_FIELDS = (
    "name",
    "phone",
    "street",
    "house_number",
    "postcode",
    "city",
    "kvk_number",
    "vat_number",
    "billing_email",
    "prices_include_vat",
)


def _require_admin(*, garage: Garage, actor: User) -> None:
    require_role(garage=garage, user=actor, roles=[Membership.Role.ADMIN])


# Called with each new garage inside its creating transaction; higher apps register here at
# start-up (fleet gives every garage its stock fleet), so a garage is whole from its first page.
_creation_hooks: list[Callable[..., None]] = []


def on_garage_created(hook: Callable[..., None]) -> None:
    """Register `hook(garage=...)` (AppConfig.ready)."""
    if hook not in _creation_hooks:
        _creation_hooks.append(hook)


@transaction.atomic
def garage_create(*, name: str, email: str, password: str | None = None, **details) -> Garage:
    """A garage account: its login user (the account email) and that user's admin membership."""
    if User.objects.filter(email=normalize_email(email)).exists():
        raise ApplicationError(
            _("This email address is already used by another account."), field="email"
        )
    account_user = User.objects.create_user(email=email, password=password)
    user_require_unprivileged(user=account_user)
    garage = Garage.objects.create(name=name, account_user=account_user, **details)
    Membership.objects.create(garage=garage, user=account_user, role=Membership.Role.ADMIN)
    membership_forget(user_id=account_user.pk, garage_id=garage.pk)
    for hook in _creation_hooks:
        hook(garage=garage)
    return garage


@transaction.atomic
def garage_update_settings(*, garage: Garage, actor: User, email: str, **fields) -> Garage:
    """Save the account settings. A new account email becomes the login at once (rule 2)."""
    _require_admin(garage=garage, actor=actor)
    garage = Garage.objects.select_for_update().select_related("account_user").get(pk=garage.pk)
    for name in SETTINGS_FIELDS:
        if name in fields:
            setattr(garage, name, fields[name])
    garage.full_clean(exclude=["account_user"])
    garage.save(update_fields=[*SETTINGS_FIELDS, "updated_at"])
    garage_forget(garage_id=garage.pk)
    user_change_login_email(
        user=garage.account_user,
        new_email=email,
        context={"garage_name": garage.name, "changed_by": actor.get_full_name()},
    )
    return garage


@transaction.atomic
def staff_invite(
    *, garage: Garage, actor: User, email: str, role: str, full_name: str = ""
) -> Membership:
    """Add a person to the garage. Someone new gets a set-password link; others a notice."""
    _require_admin(garage=garage, actor=actor)
    user = User.objects.filter(email=normalize_email(email)).first()
    if user is not None and Membership.objects.filter(garage=garage, user=user).exists():
        raise ApplicationError(_("This person already works at this garage."), field="email")
    is_new = user is None
    if is_new:
        user = user_create_invited(email=email, full_name=full_name)
    membership = Membership.objects.create(garage=garage, user=user, role=role, invited_by=actor)
    membership_forget(user_id=user.pk, garage_id=garage.pk)
    with translation.override(user.language):  # the email is in the recipient's language
        role_label = str(membership.get_role_display())
    context = {
        "garage_name": garage.name,
        "role": role_label,
        "invited_by": actor.get_full_name(),
    }
    if is_new or not user.has_usable_password():
        notification_queue(
            kind=Notification.Kind.STAFF_INVITE, recipient=user.email, user=user, context=context
        )
    else:
        notification_queue(
            kind=Notification.Kind.STAFF_ADDED, recipient=user.email, user=user, context=context
        )
    return membership


@transaction.atomic
def membership_remove(*, garage: Garage, actor: User, membership: Membership) -> None:
    _require_admin(garage=garage, actor=actor)
    if membership.garage_id != garage.pk:
        raise PermissionDenied
    if membership.user_id == garage.account_user_id:
        raise ApplicationError(_("The garage account's own login cannot be removed."))
    if membership.user_id == actor.pk:
        raise ApplicationError(_("You cannot remove yourself."))
    membership.delete()
    membership_forget(user_id=membership.user_id, garage_id=garage.pk)


def api_token_hash(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, garage: Garage, actor: User, name: str) -> tuple[ApiToken, str]:
    """A new GMS token. Returns the record and the token itself, which is never stored."""
    if actor is not None:
        _require_admin(garage=garage, actor=actor)
    raw = f"ap_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        garage=garage,
        name=name,
        token_hash=api_token_hash(raw),
        prefix=raw[:8],
        created_by=actor,
    )
    return token, raw


def _revoke(token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token


def api_token_mark_used(*, token: ApiToken, at) -> None:
    """Record the token's last use (the API calls it at most once a minute per token)."""
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=at)


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    _require_admin(garage=token.garage, actor=actor)
    return _revoke(token)


@transaction.atomic
def api_token_revoke_by_support(*, token: ApiToken, actor: User) -> ApiToken:
    """Support revokes any garage's token (admin action; the admin logs it)."""
    if not (actor.is_staff and actor.has_perm("garage.revoke_apitoken")):
        raise PermissionDenied
    return _revoke(token)
