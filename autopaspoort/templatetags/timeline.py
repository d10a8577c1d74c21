"""`{% timeline_entries timeline %}`: the timeline's entries from the fragment cache (one
get_many per page; core.fragments), each rendered by autopaspoort/_timeline_entry.html."""

from django import template
from django.utils.safestring import mark_safe

from core.fragments import render_many

register = template.Library()

ENTRY = "autopaspoort/_timeline_entry.html"


def _parts(event, *, for_garage: bool, show_expected: bool, garage, passport) -> tuple:
    """Everything _timeline_entry.html shows of `event` for this viewer: its cache key."""
    item = event.item
    viewer = (
        bool(for_garage),
        bool(show_expected),
        # the report's address, on the garage's page only
        (garage.pk, passport.plate) if for_garage else None,
    )
    if event.kind == "check":
        shown = (
            item.odometer_km,
            item.garage.name,
            item.garage.prices_include_vat,
            item.odometer_correction_reason,
            item.corrects.performed_at if item.corrects_id else None,
            (item.items_now, item.items_soon) if for_garage else None,
            item.expected_costs if show_expected else None,
        )
    else:
        shown = (
            item.kind,
            item.odometer_km,
            item.cost,
            item.garage.name,
            item.garage.prices_include_vat,
            item.description,
            item.odometer_correction_reason,
            (item.created_by.get_full_name() if item.created_by_id else None)
            if for_garage
            else None,
        )
    return (event.kind, item.pk, event.day, viewer, shown)


@register.simple_tag(takes_context=True)
def timeline_entries(context, timeline):
    for_garage = context.get("for_garage")
    show_expected = context.get("show_expected")
    garage = context.get("garage")
    passport = context.get("passport")
    entries = []
    for event in timeline:
        fragment_context = {
            "event": event,
            "for_garage": for_garage,
            "show_expected": show_expected,
            "garage": garage,
            "passport": passport,
        }
        parts = _parts(
            event,
            for_garage=for_garage,
            show_expected=show_expected,
            garage=garage,
            passport=passport,
        )
        entries.append((ENTRY, parts, fragment_context))
    return mark_safe("\n  ".join(render_many(entries)))  # noqa: S308 - safe fragments
