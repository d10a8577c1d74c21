from django import template

from core.money import RULE, format_amount

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
