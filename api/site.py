"""The GMS API: one NinjaAPI at /api/v1/ (mounted by config/urls.py) with the contract's
error shape everywhere: every handler answers through `api.errors`.

django-ninja: typed request/response schemas (pydantic) that also generate the OpenAPI 3
schema and docs, with its Swagger UI served from the package's own static files (no CDN).
"""

import json
import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from api.auth import GarageToken, RateLimited
from api.errors import ApiError, error_body, problem_fields
from api.passports import router
from api.photos import router as photo_router
from api.share_links import router as share_link_router

logger = logging.getLogger(__name__)


class JsonOnlyParser(Parser):
    """JSON in, or a clear 415/400/413 — never a parse error page."""

    def parse_body(self, request):
        if request.content_type != "application/json":
            raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
        try:
            body = request.body
        except RequestDataTooBig:
            raise ApiError(413, "body_too_large", "The request body is too large.") from None
        try:
            return json.loads(body or b"null")
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "invalid_json", "The body is not valid JSON.") from None


api = NinjaAPI(
    title="AutoPaspoort GMS API",
    version="1",
    description=(
        "Create and update AutoPaspoorten from a garage management system. Authenticate with "
        "`Authorization: Bearer <token>`; a garage admin makes tokens on the account settings "
        'page. Errors are always `{"error": {"code", "message", "fields"}}`.'
    ),
    urls_namespace="api",
    auth=GarageToken(),
    parser=JsonOnlyParser(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/", router)
api.add_router("/", share_link_router)
api.add_router("/", photo_router)


def _error(request, status, code, message, fields=None, headers=None):
    response = api.create_response(request, error_body(code, message, fields), status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(ApiError)
def on_api_error(request, exc):
    return _error(request, exc.status, exc.code, exc.message, exc.fields)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc):
    fields = problem_fields(exc.errors)
    return _error(request, 400, "invalid_input", "The request is not valid.", fields)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return _error(
        request, 401, "unauthorized", "A valid token is needed: Authorization: Bearer <token>."
    )


@api.exception_handler(RateLimited)
def on_rate_limited(request, exc):
    return _error(
        request,
        429,
        "rate_limited",
        exc.message,
        headers={"Retry-After": str(exc.retry_after)},
    )


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    # ninja wraps what the parser raised (415, 413, invalid JSON): answer with that.
    if isinstance(exc.__cause__, ApiError):
        return on_api_error(request, exc.__cause__)
    return _error(request, exc.status_code, "bad_request", str(exc))


@api.exception_handler(RequestDataTooBig)
def on_body_too_large(request, exc):
    return _error(request, 413, "body_too_large", "The request body is too large.")


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    # The token's garage login lacks the role (e.g. it lost its admin membership).
    return _error(
        request, 403, "forbidden", "The garage's account may not do this. Ask its administrator."
    )


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, "not_found", "Not found.")


@api.exception_handler(Exception)
def on_unexpected(request, exc):
    logger.exception("Unexpected error in the GMS API")
    return _error(request, 500, "server_error", "Something went wrong on our side.")
