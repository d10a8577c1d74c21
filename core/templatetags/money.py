from django import template

from core.money import RULE, format_amount
from core.vat import vat_label as _vat_label

register = template.Library()


@register.filter
def euro(value):
    """An amount for people in the active language: `{% load money %}{{ amount|euro }}` gives
    "€ 1.234,50" in Dutch (non-breaking space) and "€1,234.50" in English."""
    return format_amount(value)


@register.simple_tag
def amount_rule():
    """How an amount may be typed (`core.money.RULE`), for forms with many amount inputs."""
    return RULE


@register.simple_tag
def vat_label(includes_vat):
    """After an amount: `{% vat_label garage.prices_include_vat %}` gives "incl. VAT" or
    "excl. VAT" ("incl. btw" / "excl. btw" in Dutch), the garage's setting."""
    return _vat_label(bool(includes_vat))
