"""Domain errors: what a service raises when an action is refused.

Views turn them into a form error or a message, the API into
``{"detail": ..., "code": ...}`` with the status below. A service raises before
it writes anything, or inside its transaction, so a refused action changes
nothing.
"""


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = str(message)
        if code:
            self.code = code
        self.field = field

    def __str__(self) -> str:
        return self.message


class Invalid(DomainError):
    """The input breaks a rule (a reason missing, a date before another)."""


class NotAllowed(DomainError):
    """The actor may not do this."""

    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The action does not fit the current state (a step the table refuses)."""

    status = 409
    code = "conflict"
