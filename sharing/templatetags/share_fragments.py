"""`{% share_fragments view link as fragments %}`: the share page's (and PDF's) status checks
and history entries, rendered once and cached by what they show (core.fragments): one
get_many for the page. `fragments.checks` and `fragments.history` are safe HTML, in order."""

from dataclasses import dataclass

from django import template

from core.fragments import render_many

register = template.Library()

CHECK = "sharing/_share_check.html"
HISTORY_ENTRY = "sharing/_share_history_entry.html"
READINGS = "sharing/_share_readings.html"


@dataclass(frozen=True)
class ShareFragments:
    checks: list
    history: list
    readings: str


def _photos(photos) -> tuple:
    """What _thumbs.html shows of each photo (its order gives the numbers)."""
    return tuple((photo.key, bool(photo.thumbnail), photo.item_id, photo.kind) for photo in photos)


def _check_parts(check, *, show_costs: bool, token) -> tuple:
    items = tuple(
        (
            item.pk,
            item.component,  # with the description and the language: its label
            item.description,
            item.rating,
            item.fix_before_delivery,
            item.estimated_cost if show_costs else None,
            _photos(getattr(item, "check_photos", None) or ()),
        )
        for item in check.items.all()
    )
    intake = _photos(getattr(check, "intake_photos", None) or ())
    has_photos = bool(intake) or any(item[-1] for item in items)
    return (
        check.pk,
        check.performed_at,
        check.garage.name,
        check.garage.prices_include_vat,
        check.odometer_km,
        bool(show_costs),
        items,
        intake,
        token if has_photos else None,  # the photos' addresses go through the link
    )


def _history_parts(entry, *, show_costs: bool) -> tuple:
    return (
        entry.pk,
        entry.date,
        entry.kind,
        entry.odometer_km,
        entry.garage.name,
        entry.description,
        (entry.cost, entry.garage.prices_include_vat) if show_costs else None,
    )


@register.simple_tag
def share_fragments(view, link=None):
    token = getattr(link, "token", None)
    shared = {"view": view, "link": link}
    entries = [
        (
            CHECK,
            _check_parts(check, show_costs=view.show_costs, token=token),
            {**shared, "check": check},
        )
        for check in view.checks
    ] + [
        (
            HISTORY_ENTRY,
            _history_parts(entry, show_costs=view.show_costs),
            {**shared, "entry": entry},
        )
        for entry in view.history
    ]
    if view.readings:
        readings = tuple((reading.day, reading.km, reading.source) for reading in view.readings)
        entries.append((READINGS, readings, shared))
    rendered = render_many(entries)
    checks = len(view.checks)
    return ShareFragments(
        checks=rendered[:checks],
        history=rendered[checks : checks + len(view.history)],
        readings=rendered[-1] if view.readings else "",
    )
