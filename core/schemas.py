"""Closed sets in the JSON API's document: every kind, mode, position, state
and resolution is published as an enum of its values, taken from the model's
``TextChoices`` so the document cannot drift from the database."""

from typing import Any, Literal

from pydantic import Field


def one_of(choices) -> Any:
    """The type of an answer field holding one value of ``choices`` (inline enum)."""
    return Literal[tuple(choices.values)]


def choice_field(choices, default: Any = ...) -> Any:
    """An input field documented as an enum of ``choices`` (TextChoices or values).

    The value is still checked by the service, which gives its own message
    (and a 400) for one outside the set, on the page and in the API alike.
    """
    values = list(getattr(choices, "values", choices))
    return Field(default, json_schema_extra={"enum": values})


#: The ``Idempotency-Key`` header, declared once for every action of the API
#: (``openapi_extra=IDEMPOTENT``): the operations read it from the request's
#: headers, never from the body.
IDEMPOTENT = {
    "parameters": [
        {
            "in": "header",
            "name": "Idempotency-Key",
            "required": False,
            "schema": {"type": "string", "format": "uuid"},
            "description": "A unique key (a UUID) per intended action: a retried call "
            "with the same key does the action once and answers with the thing as it stands.",
        }
    ]
}


def idempotency_key(request) -> str | None:
    """The request's ``Idempotency-Key`` header (None when absent)."""
    return request.headers.get("Idempotency-Key") or None
