"""URLs of benefit restrictions (mounted under /benefits/restrictions/ by benefits/urls.py, namespace
``benefits``)."""

from django.urls import path

from benefits.restrictions import views

urlpatterns: list = [
    path("", views.candidates, name="restriction_candidates"),
    path("persons/<int:resident_id>/", views.person, name="restriction_person"),
    path("<int:restriction_id>/", views.restriction, name="restriction"),
    path("<int:restriction_id>/notices/<slug:kind>/", views.notice, name="restriction_notice"),
]
