from django import forms
from django.utils.translation import gettext_lazy as _

from photos.models import CheckPhoto


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several files from one `<input type="file" multiple>`; Pillow judges them later
    (`photos.validation.image_validate`), so a wrong file gets our message, not Django's."""

    widget = MultiplePhotoInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return list(files)


INTAKE = "intake"


class PhotoUploadForm(forms.Form):
    """Photos for one item of a check (`target` = the item's id) or intake photos of the whole
    car (`target` = "intake", with the kind)."""

    target = forms.CharField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label=_("What the photos show"),
        choices=[(kind.value, kind.label) for kind in CheckPhoto.INTAKE_KINDS],
        required=False,
    )
    photos = MultiplePhotoField(
        label=_("Photos"),
        error_messages={"required": _("Choose one or more photos.")},
        widget=MultiplePhotoInput(
            attrs={"accept": "image/*", "capture": "environment", "data-photo-input": ""}
        ),
    )

    def __init__(self, *args, target: str, **kwargs):
        super().__init__(*args, initial={"target": target}, **kwargs)
        self.for_target = target
        self.is_intake = target == INTAKE
        self.auto_id = f"id_photo_{target}_%s"
        if target != INTAKE:
            del self.fields["kind"]
