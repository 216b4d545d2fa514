"""The org chart and the role holders as they were on a past day."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from circles import services
from circles.health import Health, circle_tree, health_by_circle
from circles.models import Circle, Membership, OrganizationMember, Role, RoleAssignment


@pytest.fixture
def history(make_user):
    """Ops was created 40 days ago with Leo as leader; 10 days ago Leo's term
    ended and Mia took over; Old existed from 40 to 20 days ago."""
    ada, leo, mia = make_user("ada"), make_user("leo"), make_user("mia")
    org = services.create_organization(name="Acme", slug="acme", by=ada, language="en")
    now = timezone.now()
    org.created = now - timedelta(days=60)
    org.save(update_fields=["created"])
    root = Circle.objects.get(organization=org, parent__isnull=True)
    Circle.objects.filter(pk=root.pk).update(created=now - timedelta(days=60))
    Membership.objects.filter(circle=root).update(joined=now - timedelta(days=60))
    for user in (leo, mia):
        OrganizationMember.objects.create(organization=org, user=user)
    ops = services.create_circle(parent=root, name="Ops", slug="ops", by=ada)
    old = services.create_circle(parent=root, name="Old", slug="old", by=ada)
    Circle.objects.filter(pk__in=[ops.pk, old.pk]).update(created=now - timedelta(days=40))
    services.dissolve_circle(circle=old, by=ada, reason="Done")
    Circle.objects.filter(pk=old.pk).update(dissolved=now - timedelta(days=20))
    leader = Role.objects.get(circle=ops, kind="leader")
    today = timezone.localdate()
    RoleAssignment.objects.create(
        role=leader,
        user=leo,
        term_start=today - timedelta(days=40),
        term_end=today + timedelta(days=300),
        ended=now - timedelta(days=10),
    )
    RoleAssignment.objects.create(
        role=leader,
        user=mia,
        term_start=today - timedelta(days=10),
        term_end=today + timedelta(days=300),
    )
    for user, joined, left in ((leo, 40, 10), (mia, 10, None)):
        for circle in (root, ops):
            Membership.objects.create(
                circle=circle,
                user=user,
                joined=now - timedelta(days=joined),
                left=now - timedelta(days=left) if left else None,
            )
    return {"org": org, "ops": ops, "old": old, "leo": leo, "mia": mia, "ada": ada, "today": today}


def _names(tree):
    out = []
    for node in tree:
        out.append(node["circle"].name)
        out += _names(node["children"])
    return out


def test_the_tree_of_a_past_day_has_the_circles_of_that_day(history):
    today, org = history["today"], history["org"]
    assert set(_names(circle_tree(org, at=today - timedelta(days=30)))) == {"Acme", "Ops", "Old"}
    assert set(_names(circle_tree(org, at=today - timedelta(days=5)))) == {"Acme", "Ops"}
    assert set(_names(circle_tree(org, at=today - timedelta(days=50)))) == {"Acme"}
    assert set(_names(circle_tree(org))) == {"Acme", "Ops"}


def test_health_on_a_past_day_reads_the_links_of_that_day(history):
    today, org, ops = history["today"], history["org"], history["ops"]
    # Both days: a leader but no delegate.
    assert health_by_circle(org, today - timedelta(days=30))[ops.pk] == Health.MISSING_DELEGATE
    assert health_by_circle(org)[ops.pk] == Health.MISSING_DELEGATE


def test_the_chart_page_names_the_holders_of_that_day(client, history):
    client.force_login(history["ada"])
    url = reverse("circles:chart", kwargs={"org": "acme"})
    day = history["today"] - timedelta(days=30)
    page = client.get(url, {"on": day.isoformat()}).content.decode()
    holders = page[page.index('id="holders-title"') :]
    assert history["leo"].name in holders and history["mia"].name not in holders
    assert "Old" in page
    later = client.get(
        url, {"on": (history["today"] - timedelta(days=5)).isoformat()}
    ).content.decode()
    holders = later[later.index('id="holders-title"') :]
    assert history["mia"].name in holders and history["leo"].name not in holders
    svg = client.get(reverse("circles:chart_svg", kwargs={"org": "acme"}), {"on": day.isoformat()})
    assert "Old" in svg.content.decode()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("soon", "Enter a valid date"),
        ("2999-01-01", "today or a day in the past"),
        ("2001-01-01", "did not exist yet"),
    ],
)
def test_a_bad_day_is_explained_and_today_is_shown(client, history, value, message):
    client.force_login(history["ada"])
    response = client.get(reverse("circles:chart", kwargs={"org": "acme"}), {"on": value})
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert 'id="holders-title"' not in page  # today's chart, not a past one
    assert f'value="{value}"' in page  # what was typed stays
