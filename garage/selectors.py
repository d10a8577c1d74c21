"""Reads of garage data, always scoped to the person asking: another garage's data is a 404."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from core.shared_cache import cached_many, forget, places_forget, store
from garage.models import ApiToken, Membership

# Every garage page reads the visitor's membership and garage: both are cached (core.shared_cache)
# and forgotten by the services that change them (garage.services, the admin). Services never
# act on this copy: they check roles against the database (garage.access.require_role).
ACCESS_SECONDS = 300


def membership_list_for_user(*, user) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("garage").order_by("garage__name")


def _membership_key(user_id: int, garage_id: int) -> str:
    return f"membership:{user_id}:{garage_id}"


def _garage_key(garage_id: int) -> str:
    return f"garage:{garage_id}"


def membership_get(*, user, garage_id: int) -> Membership:
    """The asker's membership of this garage, with the garage and its login; 404 otherwise."""
    keys = [_membership_key(user.pk, garage_id), _garage_key(garage_id)]
    found = cached_many(keys)
    if len(found) == 2:
        membership = Membership(**found[keys[0]])
        membership.garage = found[keys[1]]
        membership.user = user
        return membership
    membership = get_object_or_404(
        Membership.objects.select_related("garage__account_user", "user"),
        user=user,
        garage_id=garage_id,
    )
    fields = {f.attname: getattr(membership, f.attname) for f in Membership._meta.concrete_fields}
    store(keys[0], fields, ACCESS_SECONDS)
    store(keys[1], membership.garage, ACCESS_SECONDS)
    return membership


def membership_forget(*, user_id: int, garage_id: int) -> None:
    """A membership was added, changed or removed: the person's pages and navigation see it."""
    forget([_membership_key(user_id, garage_id)])
    places_forget([user_id])


def garage_forget(*, garage_id: int) -> None:
    """The garage's details or name changed: every member's pages and navigation see it."""
    forget([_garage_key(garage_id)])
    places_forget(Membership.objects.filter(garage_id=garage_id).values_list("user_id", flat=True))


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
