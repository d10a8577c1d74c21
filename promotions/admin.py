from django.contrib import admin

from core.admin_audit import AuditedAdmin
from promotions.models import Promotion, PromotionRecipient


@admin.register(Promotion)
class PromotionAdmin(AuditedAdmin, admin.ModelAdmin):
    """What garages sent to their customers: a record, read-only."""

    list_display = ("subject", "garage", "segment", "state", "created_at", "sent_at")
    list_filter = ("state", "segment")
    search_fields = ("subject", "garage__name")
    date_hierarchy = "created_at"
    list_select_related = ("garage",)

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Promotion._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PromotionRecipient)
class PromotionRecipientAdmin(AuditedAdmin, admin.ModelAdmin):
    """Who a promotion went to and the email that carried it (its state is in the outbox)."""

    list_display = ("promotion", "user", "notification", "skipped")
    list_filter = ("skipped",)
    search_fields = ("user__email", "promotion__subject")
    list_select_related = ("promotion", "user", "notification")
    raw_id_fields = ("promotion", "user", "notification")

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in PromotionRecipient._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
