"""The contract's error shape, `{"error": {"code", "message", "fields"}}`, built only here."""


class ApiError(Exception):
    """An error answer in the contract's shape, raised anywhere in the API."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


def error_detail(code: str, message: str, fields: dict | None = None) -> dict:
    """The inside of an error: a whole answer's `error`, or one bulk item's."""
    return {"code": code, "message": message, "fields": fields or {}}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": error_detail(code, message, fields)}


def problem_fields(problems) -> dict[str, list[str]]:
    """pydantic's (or ninja's) validation problems by field: `{"owner.email": [message]}`."""
    fields: dict[str, list[str]] = {}
    for problem in problems:
        location = [str(part) for part in problem.get("loc", ()) if part not in ("body", "payload")]
        fields.setdefault(".".join(location) or "body", []).append(str(problem.get("msg")))
    return fields
