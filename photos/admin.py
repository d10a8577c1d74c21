from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin_audit import AuditedAdmin, audit_message
from core.errors import ApplicationError
from photos.models import CheckPhoto
from photos.services import photo_delete


class PhotoDeleteForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Recorded with your name; the garage's request, for example."),
    )


@admin.register(CheckPhoto)
class CheckPhotoAdmin(AuditedAdmin, admin.ModelAdmin):
    """Photos belong to the immutable check: read-only here. Support removes one (personal data
    in view, a wrong car) with "Delete with a reason": the files go, the row stays as the record
    of who deleted it, when and why."""

    list_display = ("uploaded_at", "plate", "kind", "item", "uploaded_by", "deleted_at")
    list_filter = ("kind", ("deleted_at", admin.EmptyFieldListFilter))
    search_fields = ("status_check__passport__plate",)
    list_select_related = ("status_check__passport", "item", "uploaded_by")
    change_form_template = "admin/photos/checkphoto/change_form.html"

    @admin.display(description=gettext_lazy("plate"), ordering="status_check__passport__plate")
    def plate(self, photo):
        return photo.status_check.passport.plate

    @admin.display(description=gettext_lazy("photo"))
    def preview(self, photo):
        if photo.deleted_at or not photo.thumbnail:
            return "—"
        url = reverse("photos:file", kwargs={"key": photo.key, "version": "thumb"})
        large = reverse("photos:file", kwargs={"key": photo.key, "version": "large"})
        return format_html('<a href="{}"><img src="{}" alt="" width="160"></a>', large, url)

    def get_readonly_fields(self, request, obj=None):
        return ["preview", *(field.name for field in CheckPhoto._meta.fields)]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # only with a reason, below

    def get_urls(self):
        urls = [
            path(
                "<id:photo_id>/delete-with-reason/",
                self.admin_site.admin_view(self.delete_with_reason_view),
                name="photos_checkphoto_delete_with_reason",
            )
        ]
        return urls + super().get_urls()

    def delete_with_reason_view(self, request, photo_id):
        if not request.user.has_perm("photos.delete_checkphoto_with_reason"):
            raise PermissionDenied
        photo = get_object_or_404(
            CheckPhoto.objects.select_related("status_check__passport"), pk=photo_id
        )
        form = PhotoDeleteForm(request.POST if request.method == "POST" else None)
        if photo.deleted_at is None and request.method == "POST" and form.is_valid():
            try:
                photo_delete(photo=photo, actor=request.user, reason=form.cleaned_data["reason"])
            except ApplicationError as error:
                form.add_error("reason", error.message)
            else:
                self.log_change(
                    request,
                    photo,
                    audit_message([("delete_reason", "", form.cleaned_data["reason"])]),
                )
                self.message_user(request, _("The photo was deleted."), messages.SUCCESS)
                return redirect(reverse("admin:photos_checkphoto_change", args=[photo.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": photo,
            "form": form,
            "title": gettext_lazy("Delete the photo with a reason"),
        }
        return TemplateResponse(request, "admin/photos/checkphoto/delete_with_reason.html", context)
