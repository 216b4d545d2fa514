"""Removing a member asks for confirmation: the circle page's "Remove" leads
to a confirmation page (no JavaScript needed); it removed at one click."""

from django.urls import reverse

from circles import selectors


def _remove_url(world, user):
    return reverse(
        "circles:remove_member",
        kwargs={"org": world.org.slug, "circle": world.ops.slug, "user_id": user.pk},
    )


def test_the_circle_page_links_to_a_confirmation_not_a_one_click_form(client, world):
    client.force_login(world.admin)
    html = client.get(world.ops.get_absolute_url()).content.decode()
    url = _remove_url(world, world.member)
    assert f'href="{url}"' in html
    assert f'action="{url}"' not in html


def test_the_confirmation_page_names_the_person_and_changes_nothing(client, world):
    client.force_login(world.admin)
    response = client.get(_remove_url(world, world.member))
    assert response.status_code == 200
    html = response.content.decode()
    assert world.member.name in html and 'method="post"' in html
    assert selectors.is_circle_member(world.member, world.ops)


def test_confirming_removes(client, world):
    client.force_login(world.admin)
    client.post(_remove_url(world, world.member), {"reason": "Moved away"})
    assert not selectors.is_circle_member(world.member, world.ops)


def test_someone_who_may_not_remove_gets_no_confirmation_page(client, world):
    client.force_login(world.member)
    response = client.get(_remove_url(world, world.delegate))
    assert response.status_code == 403
    assert selectors.is_circle_member(world.delegate, world.ops)
