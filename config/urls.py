from django.contrib import admin
from django.urls import include, path

from circles import views as circle_views
from config.api import api_urls
from core import source

urlpatterns = [
    path("", circle_views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", api_urls()),
    path("admin/", admin.site.urls),
    path("notifications/", include("notifications.urls")),
    # The running version's source code (AGPL-3.0-or-later, section 13).
    path("source/cercle-source.tar.gz", source.download, name="source"),
    # Each app's pages live under the organization: /o/<org>/…
    path("", include("circles.urls")),
    path("o/<slug:org>/log/", include("logbook.urls")),
    path("o/<slug:org>/open-data/", include("logbook.opendata")),
    path("o/<slug:org>/proposals/", include("proposals.urls")),
    path("o/<slug:org>/elections/", include("elections.urls")),
    path("o/<slug:org>/meetings/", include("realtime.urls")),
    path("o/<slug:org>/tensions/", include("tensions.urls")),
    path("o/<slug:org>/settings/webhooks/", include("notifications.webhook_urls")),
]

handler403 = "core.views.error_403"
handler404 = "core.views.error_404"
handler500 = "core.views.error_500"
