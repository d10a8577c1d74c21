from django.contrib import admin

from autopaspoort.admin import PlateSearchMixin
from core.admin_audit import AuditedAdmin
from quotes.models import Quote, QuoteLine


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
    extra = 0
    can_delete = False
    fields = ("position", "kind", "description", "quantity", "unit_price", "check_item", "accepted")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Quote)
class QuoteAdmin(AuditedAdmin, PlateSearchMixin, admin.ModelAdmin):
    """Quotes are between a garage and a car's owner, sent by email and answered in the
    portal: support reads them here (to answer "what did I agree to?"), nobody edits them."""

    plate_lookup = "passport__plate_compact"
    list_display = (
        "passport",
        "garage",
        "kind",
        "version",
        "state",
        "total_incl",
        "sent_at",
        "answered_at",
    )
    list_filter = ("state", "kind")
    search_fields = ("passport__plate", "garage__name", "owner__email")
    list_select_related = ("passport", "garage")
    date_hierarchy = "created_at"
    inlines = [QuoteLineInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Quote._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
