"""URLs of benefits, all under /benefits/ (namespace ``benefits``): the person's 給付 tab here, each
sub-domain package's own ``urls.py`` under its own prefix."""

from django.urls import include, path

from benefits import views

app_name = "benefits"

urlpatterns = [
    path("persons/<int:resident_id>/", views.person_tab, name="person_tab"),
    path("limits/", include("benefits.limits.urls")),
    path("ratio/", include("benefits.ratio.urls")),
    path("records/", include("benefits.records.urls")),
    path("regional/", include("benefits.regional.urls")),
    path("restrictions/", include("benefits.restrictions.urls")),
]
