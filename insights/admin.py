import csv

from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_audit import AuditedAdmin
from core.spreadsheets import spreadsheet_safe
from insights.models import MonthlyUsage


@admin.register(MonthlyUsage)
class MonthlyUsageAdmin(AuditedAdmin, admin.ModelAdmin):
    """The billing records of every garage: read-only (the monthly job writes them), with a
    CSV export of the selected rows for invoicing."""

    list_display = (
        "month",
        "garage",
        "active_passports",
        "passports_created",
        "transfers_completed",
        "quotes_sent",
        "photos_added",
        "computed_at",
    )
    list_select_related = ("garage",)
    search_fields = ("garage__name", "garage__kvk_number")
    date_hierarchy = "month"
    actions = ["export_csv"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in MonthlyUsage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Export selected usage as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        """`;`-separated with a BOM, so Dutch Excel opens it as is (like the fleet export)."""
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="usage-{timezone.localdate():%Y%m%d}.csv"'
        )
        response.write("\ufeff")
        writer = csv.writer(response, delimiter=";")
        writer.writerow(
            [
                _("Month"),
                _("Garage id"),
                _("Garage"),
                _("KvK number"),
                _("Active passports"),
                _("Passports created"),
                _("Transfers completed"),
                _("Quotes sent"),
                _("Photos added"),
                _("Computed at"),
            ]
        )
        for usage in queryset.select_related("garage").order_by("month", "garage__name", "pk"):
            writer.writerow(
                [
                    f"{usage.month:%Y-%m}",
                    usage.garage_id,
                    spreadsheet_safe(usage.garage.name),
                    usage.garage.kvk_number,
                    usage.active_passports,
                    usage.passports_created,
                    usage.transfers_completed,
                    usage.quotes_sent,
                    usage.photos_added,
                    timezone.localtime(usage.computed_at).isoformat(timespec="seconds"),
                ]
            )
        return response
