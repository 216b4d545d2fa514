"""How circles' things appear in decision records (docs/RECORDS.md).

One role snapshot for every record that names a role: a structure or
appointment decision of the circles app, a selection, a cancelled selection
and a role change consented in a selection all write it the same way, as it
was when the record was written.
"""


def role_snapshot(role) -> dict:
    """``{"id", "kind", "name", "purpose", "domains", "accountabilities",
    "default_term_months", "qualifications", "shared"}`` of ``role``."""
    return {
        "id": role.pk,
        "kind": role.kind,
        "name": role.name,
        "purpose": role.purpose,
        "domains": list(role.domains),
        "accountabilities": list(role.accountabilities),
        "default_term_months": role.default_term_months,
        "qualifications": list(role.qualifications),
        "shared": role.shared,
    }
