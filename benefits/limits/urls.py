"""URLs of the facility cost limits (mounted under /benefits/limits/, namespace ``benefits``)."""

from django.urls import path

from benefits.limits import views

urlpatterns: list = [
    path("persons/<int:resident_id>/", views.person, name="limits_person"),
    path("persons/<int:resident_id>/applications/new/", views.application_new, name="limits_application_new"),
    path("persons/<int:resident_id>/applications/<int:application_id>/decide/", views.decide, name="limits_decide"),
    path("persons/<int:resident_id>/applications/<int:application_id>/certificate/", views.certificate,
         name="limits_certificate"),
]
