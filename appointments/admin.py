from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from appointments.models import Appointment, AppointmentSlot, GarageLightAdvice
from autopaspoort.admin import PlateSearchMixin
from core.admin_audit import AuditedAdmin


class AppointmentSlotInline(admin.TabularInline):
    model = AppointmentSlot
    extra = 0
    can_delete = False
    fields = ("position", "date", "part_of_day")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Appointment)
class AppointmentAdmin(AuditedAdmin, PlateSearchMixin, admin.ModelAdmin):
    """Appointments are a conversation between an owner and a garage, with emails on every
    step: support reads them here; the owner and the garage change them in their own pages."""

    plate_lookup = "passport__plate_compact"
    list_display = (
        "passport",
        "garage",
        "reason",
        "state",
        "planned_date",
        "planned_part_of_day",
        "created_at",
    )
    list_filter = ("state", "reason")
    search_fields = ("passport__plate", "garage__name", "owner__email")
    list_select_related = ("passport", "garage")
    date_hierarchy = "created_at"
    inlines = [AppointmentSlotInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Appointment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GarageLightAdvice)
class GarageLightAdviceAdmin(AuditedAdmin, admin.ModelAdmin):
    """A garage's own advice, shown to its customers: support may correct or remove it."""

    list_display = ("garage", "light_code", "light_name", "updated_by", "updated_at")
    list_filter = ("light_code",)
    search_fields = ("garage__name", "light_code", "text")
    list_select_related = ("garage", "updated_by")
    readonly_fields = ("garage", "light_code", "updated_by", "created_at", "updated_at")

    @admin.display(description=_("warning light"))
    def light_name(self, obj):
        light = obj.light
        return light.text().name if light else "—"

    def has_add_permission(self, request):
        return False  # written by the garage, for a light of the catalogue
