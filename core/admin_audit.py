"""Support's changes in the admin leave a history with the values before and after.

Django's admin history (LogEntry) records who changed which fields of what, not the values. Every
ModelAdmin of ours mixes in `AuditedAdmin`, which adds a "values" list to each entry's JSON
message: one {"field", "before", "after"} per changed field, for the object and its inlines;
all fields' values when an object is deleted. The history page (templates/admin/
object_history.html) shows them. Secrets are never copied into the history.
"""

from django import forms
from django.contrib.admin.models import DELETION, LogEntry
from django.db import models
from django.utils.translation import override as translation_override

HIDDEN = "(hidden)"
SECRET_FIELDS = {"password", "token_hash"}
MAX_VALUE_LENGTH = 500


def _flat_choices(choices) -> dict:
    flat = {}
    for key, label in choices:
        if isinstance(label, list | tuple):
            flat.update(_flat_choices(label))
        else:
            flat[key] = label
    return flat


def _display(field: forms.Field | None, value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(field, forms.ModelMultipleChoiceField):
        objects = value if isinstance(value, models.QuerySet | list) else [value]
        return ", ".join(sorted(str(_instance(field, obj)) for obj in objects))
    if isinstance(field, forms.ModelChoiceField):
        return str(_instance(field, value))
    if isinstance(field, forms.ChoiceField):
        return str(_flat_choices(field.choices).get(value, value))
    return str(value)[:MAX_VALUE_LENGTH]


def _instance(field, value):
    # The form's initial holds primary keys; cleaned data holds objects.
    if isinstance(value, models.Model):
        return value
    return field.queryset.filter(pk=value).first() or value


def _label(form, name) -> str:
    field = form.fields.get(name)
    with translation_override(None):  # stored untranslated, like Django's own field labels
        return str(field.label) if field and field.label else name


def changed_values(form, names) -> list[dict]:
    values = []
    for name in names:
        field = form.fields.get(name)
        if name in SECRET_FIELDS or isinstance(getattr(field, "widget", None), forms.PasswordInput):
            before = after = HIDDEN
        else:
            before = _display(field, form.initial.get(name))
            after = _display(field, form.cleaned_data.get(name))
        values.append({"field": _label(form, name), "before": before, "after": after})
    return values


def object_values(obj) -> list[dict]:
    """Every concrete field of `obj`, as a deletion's "before"."""
    values = []
    for field in obj._meta.concrete_fields:
        value = HIDDEN if field.name in SECRET_FIELDS else field.value_from_object(obj)
        with translation_override(None):
            label = str(field.verbose_name)
        values.append({"field": label, "before": _display(None, value), "after": ""})
    return values


def audit_message(changes: list[tuple[str, str, str]]) -> list[dict]:
    """A history message for a change made outside a change form (a support action's own
    page): (field, before, after) for each value it changed."""
    return [
        {
            "changed": {
                "fields": [field for field, _before, _after in changes],
                "values": [
                    {"field": field, "before": str(before), "after": str(after)}
                    for field, before, after in changes
                ],
            }
        }
    ]


def _form_of(formset, obj):
    return next(form for form in formset.forms if form.instance.pk == obj.pk)


class AuditedAdmin:
    """Mix into every ModelAdmin (before ModelAdmin in the bases)."""

    def construct_change_message(self, request, form, formsets, add=False):
        message = super().construct_change_message(request, form, formsets, add)
        for entry in message:
            if "changed" in entry and "name" not in entry["changed"]:
                entry["changed"]["values"] = changed_values(form, form.changed_data)
            elif "added" in entry and "name" not in entry["added"]:
                entry["added"]["values"] = changed_values(form, form.changed_data)
        for formset in formsets or []:
            changed = {str(obj): (obj, fields) for obj, fields in formset.changed_objects}
            added = {str(obj): obj for obj in formset.new_objects}
            for entry in message:
                for action, lookup in (("changed", changed), ("added", added)):
                    detail = entry.get(action, {})
                    if "name" not in detail or detail.get("object") not in lookup:
                        continue
                    if action == "changed":
                        obj, fields = lookup[detail["object"]]
                        detail["values"] = changed_values(_form_of(formset, obj), fields)
                    else:
                        obj = lookup[detail["object"]]
                        sub_form = _form_of(formset, obj)
                        detail["values"] = changed_values(sub_form, sub_form.changed_data)
        return message

    def log_deletions(self, request, queryset):
        return [
            LogEntry.objects.log_actions(
                user_id=request.user.pk,
                queryset=[obj],
                action_flag=DELETION,
                change_message=[{"deleted": {"values": object_values(obj)}}],
                single_object=True,
            )
            for obj in queryset
        ]
