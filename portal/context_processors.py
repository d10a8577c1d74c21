from django.db.models import F, Value
from django.urls import reverse

from core.shared_cache import PLACES_SECONDS, cached, places_key
from fleet.models import FleetMembership
from garage.menu import menu_items
from garage.models import Membership
from transfers.selectors import owner_car_list


class _Places:
    """The garages and fleets a person can reach, and whether they own a car (for "My cars"),
    read lazily in one query (a UNION), kept in the shared cache (core.shared_cache)."""

    def __init__(self, user):
        self.user = user
        self._places = None
        self.has_cars = False

    def _rows(self) -> list[tuple[str, int, str]]:
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
        cars = (
            owner_car_list(user=self.user)
            .order_by()
            .annotate(kind=Value("car"), place=F("owner_id"), label=Value(""))
            .values_list("kind", "place", "label")
        )
        return list(garages.union(fleets, cars).order_by("-kind", "label"))

    def _load(self):
        if self._places is None:
            rows = cached(places_key(self.user.pk), self._rows, PLACES_SECONDS)
            self.has_cars = any(kind == "car" for kind, _place, _label in rows)
            self._places = [
                {
                    "kind": kind,
                    "label": label,
                    "url": reverse(
                        "garage:dashboard" if kind == "garage" else "fleet:dashboard",
                        args=[place],
                    ),
                }
                for kind, place, label in rows
                if kind != "car"
            ]
        return self._places

    def __iter__(self):
        return iter(self._load())

    def __len__(self):
        return len(self._load())

    def __bool__(self):
        return bool(self._load())


class _HasCars:
    """True when the person owns a car: "My cars" is shown only then (read with the places)."""

    def __init__(self, places: _Places):
        self.places = places

    def __bool__(self):
        self.places._load()
        return self.places.has_cars


def navigation(request):
    """What the navigation may link to: the person's garages and fleets, "My cars" if they own
    a car, and on a garage's pages the menu of that garage for their role (`garage.menu`)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_memberships": (), "nav_has_cars": False, "garage_menu": ()}
    places = _Places(user)
    membership = getattr(request, "membership", None)
    match = getattr(request, "resolver_match", None)
    return {
        "nav_memberships": places,
        "nav_has_cars": _HasCars(places),
        "garage_menu": (
            menu_items(membership, current_view=match.view_name if match else "")
            if membership is not None
            else ()
        ),
    }
