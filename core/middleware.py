import json

from django.http import HttpResponse
from django.utils.cache import patch_cache_control

API_PREFIX = "/api/"
CODES = {404: "not_found", 405: "method_not_allowed"}


class ApiJsonErrorsMiddleware:
    """Under /api/ every error is JSON in the contract's shape, also the ones Django or the API
    framework answer themselves (unknown path, method not allowed): a GMS never gets HTML."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            status = response.status_code
            body = {
                "error": {
                    "code": CODES.get(status, "error"),
                    "message": response.reason_phrase,
                    "fields": {},
                }
            }
            replacement = HttpResponse(
                json.dumps(body), status=status, content_type="application/json"
            )
            if response.has_header("Allow"):
                replacement["Allow"] = response["Allow"]
            return replacement
        return response


def no_store(view):
    """Mark a view whose page must never be kept by a browser or proxy cache although nobody
    is logged in (pages behind an emailed token)."""
    view.no_store = True
    return view


class PrivatePagesMiddleware:
    """`Cache-Control: no-store, private` on every page a logged-in person sees, every API
    answer to a token, and every view marked with `no_store`: a shared computer's back button,
    a proxy or a disk cache must not keep a page with someone's data or a one-time link."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(API_PREFIX):
            # The API authenticates by token, never by session: reading request.user here
            # would cost a session query on every API call.
            private = "HTTP_AUTHORIZATION" in request.META
        else:
            user = getattr(request, "user", None)
            private = getattr(request, "no_store_page", False) or (
                user is not None and user.is_authenticated
            )
        if private:
            patch_cache_control(response, no_store=True, private=True)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        view = getattr(view_func, "view_class", view_func)
        request.no_store_page = getattr(view_func, "no_store", False) or getattr(
            view, "no_store", False
        )
