from django.utils.cache import patch_cache_control

API_PREFIX = "/api/"


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
