"""Photos are served only here, to who may see them (photos.selectors): never as static files.
A share link that includes photos has its own door (sharing.views.share_photo); both answer
with photos.serving.photo_response."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.views.decorators.http import require_GET

from photos.selectors import photo_get_for_viewer
from photos.serving import VERSIONS, photo_response


@login_required
@require_GET
def photo_file(request, key, version):
    if version not in VERSIONS:
        raise Http404
    photo = photo_get_for_viewer(user=request.user, key=key)
    return photo_response(photo, version)
