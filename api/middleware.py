import json

from django.http import HttpResponse

from api.errors import error_body
from core.middleware import API_PREFIX

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
            body = error_body(CODES.get(status, "error"), response.reason_phrase)
            replacement = HttpResponse(
                json.dumps(body), status=status, content_type="application/json"
            )
            if response.has_header("Allow"):
                replacement["Allow"] = response["Allow"]
            return replacement
        return response
