import pytest
from django.test import Client

from accounts.services import create_api_token
from circles import services as circle_services


@pytest.fixture
def seeds(world):
    """A sibling of Ops under the root: Seeds, with Bo as its member."""
    circle = circle_services.create_circle(
        parent=world.root, name="Seeds", slug="seeds", by=world.admin
    )
    circle_services.add_member(circle=circle, user=world.bo, by=world.admin)
    return circle


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run ``action`` and the jobs it enqueues after commit (the immediate backend)."""

    def go(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return go


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def api_for(user) -> dict:
    if user is None:
        return {}
    _token, raw = create_api_token(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
