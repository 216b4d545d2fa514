"""How a person appears in records: decision records, events, API bodies.

One snapshot for every app, so a person is written the same way in a
proposal's record, a selection's grid, the minutes and the JSON API: the id
(stable) and the name as it was when the record was written.
"""


def person(user) -> dict | None:
    """``{"id": …, "name": …}`` of ``user``, or None for nobody."""
    if user is None:
        return None
    return {"id": user.pk, "name": user.name}
