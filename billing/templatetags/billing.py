from decimal import Decimal

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from billing.models import LineKind
from core.money import format_amount

register = template.Library()


@register.filter
def unit_price(value):
    """A unit price: like an amount ("€ 0,25"), with its third and fourth decimals when it
    has them ("€ 0,0125")."""
    if value is None:
        return ""
    value = Decimal(value)
    if value == value.quantize(Decimal("0.01")):
        return format_amount(value)
    text = format_amount(value.quantize(Decimal("0.01"), rounding="ROUND_DOWN"))
    digits = f"{value:.4f}".rstrip("0").split(".")[1][2:]
    return text + digits if (get_language() or "nl").startswith(("nl", "en")) else text


@register.filter
def line_label(line):
    """What a statement or estimate line is for: its kind, with its tier."""
    label = str(LineKind(line.kind).label)
    if line.tier_from is None:
        return label
    if line.kind == LineKind.PHOTOS:
        return _("%(label)s (from photo %(from)s)") % {"label": label, "from": line.tier_from}
    if line.tier_to is None:
        return _("%(label)s, tier %(from)s and up") % {"label": label, "from": line.tier_from}
    return _("%(label)s, tier %(from)s–%(to)s") % {
        "label": label,
        "from": line.tier_from,
        "to": line.tier_to,
    }
