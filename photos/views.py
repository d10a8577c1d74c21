"""Photos are served only here, to who may see them (photos.selectors): never as static files."""

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.views.decorators.http import require_GET

from photos.selectors import photo_get_for_viewer

VERSIONS = ("thumb", "large", "original")


@login_required
@require_GET
def photo_file(request, key, version):
    if version not in VERSIONS:
        raise Http404
    photo = photo_get_for_viewer(user=request.user, key=key)
    if version == "thumb":
        file, content_type = photo.thumbnail, "image/jpeg"
    elif version == "large" and photo.large:
        file, content_type = photo.large, "image/jpeg"
    else:  # the original, also while the 1600 px version is being made
        file, content_type = photo.original, photo.content_type
    if not file:
        raise Http404
    try:
        default_storage.path(file.name)
    except NotImplementedError:
        # An object store: a signed URL that expires after AWS_QUERYSTRING_EXPIRE (300 s).
        response = HttpResponseRedirect(default_storage.url(file.name))
    else:
        try:
            opened = default_storage.open(file.name, "rb")
            response = FileResponse(opened, content_type=content_type)
        except FileNotFoundError:
            raise Http404 from None
    # PrivatePagesMiddleware adds no-store; say private and no sniffing here too, whatever runs.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response
