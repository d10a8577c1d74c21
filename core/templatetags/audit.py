import json

from django import template
from django.utils.translation import gettext

register = template.Library()


@register.filter
def audit_values(entry) -> list[dict]:
    """The before/after values core.admin_audit stored in a LogEntry, for the history page."""
    try:
        message = json.loads(entry.change_message or "[]")
    except ValueError:
        return []
    rows = []
    for part in message if isinstance(message, list) else []:
        for detail in part.values():
            if not isinstance(detail, dict):
                continue
            for value in detail.get("values", []):
                rows.append(
                    {**value, "field": gettext(value["field"]), "object": detail.get("object", "")}
                )
    return rows
