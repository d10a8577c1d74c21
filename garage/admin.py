from django.contrib import admin, messages
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_audit import AuditedAdmin, audit_message
from garage.models import ApiToken, Garage, Membership
from garage.services import api_token_revoke_by_support


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "garage"
    extra = 0
    autocomplete_fields = ("user",)
    readonly_fields = ("invited_by", "created_at")


@admin.register(Garage)
class GarageAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("name", "account_email", "city", "kvk_number", "created_at")
    search_fields = ("name", "account_user__email", "city", "kvk_number")
    list_select_related = ("account_user",)
    # The login changes only through the garage's settings (garage_update_settings), which
    # notifies the old and the new address; moving it here to another person's account would
    # hand that account to the garage's admins.
    readonly_fields = ("account_user",)
    inlines = [MembershipInline]

    def has_add_permission(self, request):
        return False  # a garage is created with its own new login by garage.services

    @admin.display(description=_("account email"), ordering="account_user__email")
    def account_email(self, obj):
        return obj.account_user.email


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("user", "garage", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "user__full_name", "garage__name")
    list_select_related = ("user", "garage")
    autocomplete_fields = ("user", "garage")
    readonly_fields = ("invited_by",)


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("name", "garage", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "garage__name", "prefix")
    list_select_related = ("garage",)
    readonly_fields = ("garage", "token_hash", "prefix", "created_by", "last_used_at")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # tokens are made by the garage or `manage.py create_api_token`

    def has_revoke_permission(self, request):
        return request.user.has_perm("garage.revoke_apitoken")

    @admin.action(description=_("Revoke the selected tokens"), permissions=["revoke"])
    def revoke(self, request, queryset):
        for token in queryset:
            before = token.revoked_at
            token = api_token_revoke_by_support(token=token, actor=request.user)
            if before is None:
                after = formats.localize(token.revoked_at)
                self.log_change(request, token, audit_message([("revoked at", "", after)]))
        count = len(queryset)
        self.message_user(
            request,
            ngettext("%d token revoked.", "%d tokens revoked.", count) % count,
            messages.SUCCESS,
        )
