from django import template

from core.phones import format_phone

register = template.Library()


@register.filter
def phone(value) -> str:
    """A stored (E.164) phone number as people read it: `{{ garage.phone|phone }}`."""
    return format_phone(value or "")
