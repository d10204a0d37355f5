"""Domain errors in one shape, mapped once to form errors and once to API responses.

An ApplicationError carries a stable code and a Japanese message for staff. Messages are
written for staff and must never contain personal data (a name, a number, an address):
they end up in batch error lists and API responses.
"""

from __future__ import annotations

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ApplicationError(Exception):
    code = "application_error"
    http_status = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class ProblemsError(ApplicationError):
    """A refusal listing every problem found (Japanese messages for staff), joined as its message."""

    def __init__(self, problems):
        problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(" ".join(problems))
        self.problems = problems


class NotPermitted(ApplicationError):
    code = "not_permitted"
    http_status = status.HTTP_403_FORBIDDEN


class InvalidState(ApplicationError):
    code = "invalid_state"
    http_status = status.HTTP_409_CONFLICT


def api_exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response({"code": exc.code, "message": exc.message}, status=exc.http_status)
    return exception_handler(exc, context)
