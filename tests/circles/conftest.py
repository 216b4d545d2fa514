"""The circles tests use the shared personas (tests/personas.py, fixture
``world`` of tests/conftest.py): Acme -> Ops (leader Leo, delegate Dee,
facilitator Fay, members Mia, Ana, Bo, Cy), Olga in the organization only,
Oscar outside, Otto in another organization."""

from tests.personas import World, accept_delegate, join_org, role_of, snapshot  # noqa: F401
