"""Reads of garage data, always scoped to the person asking: another garage's data is a 404."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from garage.models import ApiToken, Membership


def membership_list_for_user(*, user) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("garage").order_by("garage__name")


def membership_get(*, user, garage_id: int) -> Membership:
    """The asker's membership of this garage, with the garage and its login; 404 otherwise."""
    return get_object_or_404(
        Membership.objects.select_related("garage__account_user", "user"),
        user=user,
        garage_id=garage_id,
    )


def staff_list(*, garage) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(garage=garage)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def staff_member_get(*, garage, membership_id: int) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user"), garage=garage, pk=membership_id
    )


def api_token_list(*, garage) -> QuerySet[ApiToken]:
    return (
        ApiToken.objects.filter(garage=garage)
        .select_related("created_by")
        .order_by("revoked_at", "-created_at")
    )


def api_token_get(*, garage, token_id: int) -> ApiToken:
    return get_object_or_404(ApiToken.objects.select_related("garage"), garage=garage, pk=token_id)


def usable_token_filter() -> Q:
    """A token works only while it is not revoked and its garage's login is active and still
    the garage's admin: deactivating the login (closing the garage) or taking its admin role
    kills every token of the garage at once."""
    return Q(revoked_at__isnull=True, garage__account_user__is_active=True) & Q(
        Exists(
            Membership.objects.filter(
                garage=OuterRef("garage"),
                user=OuterRef("garage__account_user"),
                role=Membership.Role.ADMIN,
            )
        )
    )


def usable_token_get(*, token_hash: str) -> ApiToken | None:
    """The usable token with this hash, with its garage and login; None for any other."""
    return (
        ApiToken.objects.select_related("garage__account_user")
        .filter(usable_token_filter(), token_hash=token_hash)
        .first()
    )
