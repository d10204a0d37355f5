"""URLs of certification's assessment (mounted under /certification/ by certification/urls.py, namespace
``certification``)."""

from django.urls import path

from certification.assessment import views

urlpatterns: list = [
    path("cases/<int:case_id>/assessment/", views.assessment, name="assessment"),
    path("assessment/exchange/", views.exchange, name="assessment_exchange"),
    path("assessment/exchange/export.csv", views.export, name="assessment_export"),
]
