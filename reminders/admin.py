from django.contrib import admin

from core.admin_audit import AuditedAdmin
from reminders.models import ReminderSent


@admin.register(ReminderSent)
class ReminderSentAdmin(AuditedAdmin, admin.ModelAdmin):
    """Which reminder went to whom for which event: a record, read-only."""

    list_display = ("created_at", "passport", "kind", "due_key", "recipient", "notification")
    list_filter = ("kind",)
    search_fields = ("passport__plate", "recipient")
    date_hierarchy = "created_at"
    list_select_related = ("passport", "notification")
    raw_id_fields = ("passport", "notification")

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in ReminderSent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
