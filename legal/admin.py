from django.contrib import admin

from core.admin_audit import AuditedAdmin
from legal.models import LegalPage


@admin.register(LegalPage)
class LegalPageAdmin(AuditedAdmin, admin.ModelAdmin):
    """The privacy statement and terms, per language. Support reads them; only a superuser
    (whoever answers for the legal text) writes them (accounts/support_role.py)."""

    list_display = ("kind", "language", "title", "updated_at")
    list_filter = ("kind", "language")
    readonly_fields = ("updated_at",)
    fields = ("kind", "language", "title", "body", "updated_at")
