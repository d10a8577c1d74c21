from django.contrib import admin

from fleet.models import FleetAccount


@admin.register(FleetAccount)
class FleetAccountAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "kind", "created_at")
    list_filter = ("kind",)
    search_fields = ("name", "email")
