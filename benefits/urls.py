"""URLs of benefits, all under /benefits/ (namespace ``benefits``): each sub-domain package keeps
its own ``urls.py``, included here under its own prefix."""

from django.urls import include, path

app_name = "benefits"

urlpatterns = [
    path("records/", include("benefits.records.urls")),
    path("regional/", include("benefits.regional.urls")),
    path("restrictions/", include("benefits.restrictions.urls")),
]
