"""What django-axes counts failures by.

Axes reads the username from ``AXES_USERNAME_FORM_FIELD``, which defaults to the
user model's ``USERNAME_FIELD`` ("email"); our login form and
``authenticate()`` call it "username", so without this the username was never
seen and the lockout fell back to the address alone. The address is
lower-cased, as the login is case-insensitive: "Alice@…" and "alice@…" share
one count.
"""


def username_for_throttling(request, credentials) -> str | None:
    raw = None
    if credentials:
        raw = credentials.get("username") or credentials.get("email")
    if raw is None and request is not None:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        raw = data.get("username")
    if not raw:
        return None
    return str(raw).strip().lower()
