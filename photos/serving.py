"""The answer that hands a photo's file to a viewer who passed a door (photos.views.photo_file
for the garage, the owner and support; sharing.views.share_photo for a share link): one place
for the file response, the signed S3 redirect and their headers."""

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseRedirect

from photos.models import CheckPhoto

VERSIONS = ("thumb", "large", "original")


def photo_response(photo: CheckPhoto, version: str):
    """The file of `version` (thumb, large: the 1600 px one, the original until it is made;
    original); 404 for another version or a file that is not (yet) there."""
    if version not in VERSIONS:
        raise Http404
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
