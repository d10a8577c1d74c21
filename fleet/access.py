from functools import wraps

from django.contrib.auth.decorators import login_required

from fleet.selectors import fleet_membership_get


def fleet_manager_required(view):
    """Pass the fleet to the view if the user manages it; any other fleet is a 404."""

    @login_required
    @wraps(view)
    def wrapper(request, fleet_id, *args, **kwargs):
        membership = fleet_membership_get(user=request.user, fleet_id=fleet_id)
        return view(request, membership.fleet, *args, **kwargs)

    return wrapper
