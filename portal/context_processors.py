from django.db.models import F, Value
from django.urls import reverse

from fleet.models import FleetMembership
from garage.models import Membership


class _Places:
    """The garages and fleets a person can reach, read lazily in one query (a UNION)."""

    def __init__(self, user):
        self.user = user
        self._places = None

    def _load(self):
        if self._places is None:
            garages = (
                Membership.objects.filter(user=self.user)
                .order_by()  # SQLite refuses ORDER BY inside a UNION part
                .annotate(kind=Value("garage"), place=F("garage_id"), label=F("garage__name"))
                .values_list("kind", "place", "label")
            )
            fleets = (
                FleetMembership.objects.filter(user=self.user)
                .order_by()
                .annotate(kind=Value("fleet"), place=F("fleet_id"), label=F("fleet__name"))
                .values_list("kind", "place", "label")
            )
            self._places = [
                {
                    "kind": kind,
                    "label": label,
                    "url": reverse(
                        "garage:dashboard" if kind == "garage" else "fleet:dashboard",
                        args=[place],
                    ),
                }
                for kind, place, label in garages.union(fleets).order_by("-kind", "label")
            ]
        return self._places

    def __iter__(self):
        return iter(self._load())

    def __len__(self):
        return len(self._load())

    def __bool__(self):
        return bool(self._load())


def navigation(request):
    """What the navigation may link to: the person's garages and fleets."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_memberships": ()}
    return {"nav_memberships": _Places(user)}
