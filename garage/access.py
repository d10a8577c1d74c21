"""The one way into a garage's pages: the visitor's membership, found by a scoped selector."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from garage.menu import page_roles
from garage.models import Membership
from garage.selectors import membership_get


def has_role(*, garage, user, roles) -> bool:
    return Membership.objects.filter(garage=garage, user=user, role__in=roles).exists()


def require_role(*, garage, user, roles) -> None:
    """For services: the acting user must work at the garage in one of `roles`."""
    if not has_role(garage=garage, user=user, roles=roles):
        raise PermissionDenied


def garage_member_required(*roles):
    """Pass the garage to the view if the user works there (else 404) in one of `roles`
    (else 403). Also sets `request.membership`."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, garage_id, *args, **kwargs):
            membership = membership_get(user=request.user, garage_id=garage_id)
            if roles and membership.role not in roles:
                raise PermissionDenied
            request.membership = membership
            return view(request, membership.garage, *args, **kwargs)

        return wrapper

    return decorator


def garage_page(key: str):
    """`garage_member_required` with the roles of the menu's page `key` (`garage.menu.PAGES`)."""
    return garage_member_required(*page_roles(key))
