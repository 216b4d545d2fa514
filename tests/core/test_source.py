"""The licence and the running version's source (AGPL-3.0-or-later, section 13)."""

import io
import tarfile
from pathlib import Path

import pytest
from django.urls import reverse

from core import source

ROOT = Path(__file__).resolve().parents[2]


def test_the_licence_file_is_the_agpl_version_3():
    text = (ROOT / "LICENSE").read_text()
    assert text.lstrip().startswith("GNU AFFERO GENERAL PUBLIC LICENSE")
    assert "Version 3, 19 November 2007" in text
    assert "13. Remote Network Interaction; Use with the GNU General Public License." in text


@pytest.mark.django_db
def test_every_page_links_to_the_licence_and_the_source(client):
    page = client.get(reverse("home")).content.decode()
    assert "GNU Affero General Public License" in page
    assert f'href="{reverse("source")}"' in page


@pytest.mark.django_db
def test_the_source_link_follows_the_setting(client, settings):
    settings.SOURCE_URL = "https://git.example.org/collective/cercle"
    page = client.get(reverse("home")).content.decode()
    assert 'href="https://git.example.org/collective/cercle"' in page


@pytest.mark.django_db
def test_the_archive_holds_the_running_code_and_nothing_local(client, tmp_path):
    source.archive.cache_clear()
    response = client.get(reverse("source"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/gzip"
    with tarfile.open(fileobj=io.BytesIO(response.content), mode="r:gz") as tar:
        names = set(tar.getnames())
        shipped = tar.extractfile("cercle/core/source.py").read()
    assert {"cercle/LICENSE", "cercle/manage.py", "cercle/pyproject.toml"} <= names
    assert shipped == (ROOT / "core" / "source.py").read_bytes()
    assert not any(n.endswith((".pyc", ".sqlite3")) or "/.env" in n for n in names)
    assert not any(n.startswith(("cercle/.venv", "cercle/var", "cercle/.git/")) for n in names)


@pytest.mark.django_db
def test_the_archive_is_offered_to_anonymous_visitors_only_for_reading(client):
    assert client.post(reverse("source")).status_code == 405
