"""URLs of the co-payment ratio (mounted under /benefits/ratio/, namespace ``benefits``)."""

from django.urls import path

from benefits.ratio import views

urlpatterns: list = [
    path("persons/<int:resident_id>/certificate/", views.certificate_reprint, name="ratio_certificate"),
]
