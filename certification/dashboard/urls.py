"""URLs of certification's dashboard (mounted under /certification/ by certification/urls.py, namespace
``certification``)."""

from django.urls import path

from certification.dashboard import views

urlpatterns: list = [
    path("dashboard/", views.dashboard, name="dashboard"),
]
