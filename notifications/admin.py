from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_audit import AuditedAdmin
from notifications.models import EmailOptOut, Notification
from notifications.services import notification_resend


@admin.register(Notification)
class NotificationAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("created_at", "kind", "recipient", "state", "attempts", "sent_at")
    list_filter = ("state", "kind", "language")
    search_fields = ("recipient", "provider_message_id")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    actions = ["resend"]
    # The outbox is a record: support reads it and resends, never edits what was sent.
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_resend_permission(self, request):
        return request.user.has_perm("notifications.resend_notification")

    @admin.action(description=_("Resend the selected emails"), permissions=["resend"])
    def resend(self, request, queryset):
        for notification in queryset:
            copy = notification_resend(notification=notification, actor=request.user)
            self.log_change(request, notification, f"Resent as notification {copy.pk}")
        count = len(queryset)
        self.message_user(
            request,
            ngettext("%d email queued again.", "%d emails queued again.", count) % count,
            messages.SUCCESS,
        )


@admin.register(EmailOptOut)
class EmailOptOutAdmin(AuditedAdmin, admin.ModelAdmin):
    """Addresses without an account that switched emails off by link. Support may delete one
    when its owner asks to receive the emails again; nobody adds one for someone else."""

    list_display = ("email", "topic", "created_at")
    list_filter = ("topic",)
    search_fields = ("email",)

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in EmailOptOut._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
