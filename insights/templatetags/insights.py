from datetime import timedelta

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()

_UNITS = (
    (86400, lambda n: ngettext("%(count)d day", "%(count)d days", n)),
    (3600, lambda n: ngettext("%(count)d hour", "%(count)d hours", n)),
    (60, lambda n: ngettext("%(count)d minute", "%(count)d minutes", n)),
)


@register.filter
def duration(value: timedelta | None) -> str:
    """A span of time in its two largest units, rounded down: "2 days 3 hours"."""
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    counts = []
    for size, text in _UNITS:
        count, seconds = divmod(seconds, size)
        counts.append((count, text))
    first = next((index for index, (count, _text) in enumerate(counts) if count), None)
    if first is None:
        return _("less than a minute")
    return " ".join(
        text(count) % {"count": count} for count, text in counts[first : first + 2] if count
    )
