from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from autopaspoort import plates
from autopaspoort.models import HistoryEntry, Passport, StatusCheck, StatusCheckItem
from core.admin_audit import AuditedAdmin


class PlateSearchMixin:
    """Support searches by plate in any spelling: gj5555, GJ-55-55, "gj 55"."""

    plate_lookup = "plate_compact"

    def get_search_results(self, request, queryset, search_term):
        compact = plates.compact(search_term)
        if len(compact) >= 3 and compact.isalnum():
            matches = queryset.filter(**{f"{self.plate_lookup}__contains": compact})
            if matches.exists():
                return matches, False
        return super().get_search_results(request, queryset, search_term)


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Passport)
class PassportAdmin(AuditedAdmin, PlateSearchMixin, admin.ModelAdmin):
    list_display = ("plate", "make", "model", "garage", "state", "owner_contact", "created_at")
    list_filter = ("state", "rdw_status", "odometer_logical")
    # owner__email: a stock car stores no email, its owner is the garage's login.
    search_fields = ("plate", "owner_email", "owner__email", "owner_name", "garage__name")
    list_select_related = ("garage__account_user",)
    autocomplete_fields = ("garage", "owner", "created_by")
    readonly_fields = (
        "plate",
        "latest_check",
        "rdw_status",
        "rdw_checked_at",
        "odometer_km",
        "odometer_read_on",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request):
        return False  # passports are made by garages, with their rules, not here

    @admin.display(description=_("owner email"))
    def owner_contact(self, passport):
        return passport.contact_email


class StatusCheckItemInline(ReadOnlyMixin, admin.TabularInline):
    model = StatusCheckItem
    fk_name = "status_check"
    extra = 0


@admin.register(StatusCheck)
class StatusCheckAdmin(AuditedAdmin, ReadOnlyMixin, PlateSearchMixin, admin.ModelAdmin):
    """Inspection reports are never edited, also not by support: a new check corrects one."""

    plate_lookup = "passport__plate_compact"
    list_display = ("passport", "performed_at", "garage", "performed_by", "odometer_km")
    search_fields = ("passport__plate",)
    list_select_related = ("passport", "garage", "performed_by")
    inlines = [StatusCheckItemInline]


@admin.register(HistoryEntry)
class HistoryEntryAdmin(AuditedAdmin, PlateSearchMixin, admin.ModelAdmin):
    plate_lookup = "passport__plate_compact"
    list_display = ("passport", "date", "kind", "odometer_km", "cost", "garage", "created_by")
    list_filter = ("kind",)
    search_fields = ("passport__plate", "description")
    list_select_related = ("passport", "garage", "created_by")
    readonly_fields = ("passport", "garage", "created_by", "created_at")

    def has_add_permission(self, request):
        return False
