"""URLs of certification's decisions (mounted under /certification/ by certification/urls.py, namespace
``certification``)."""

from django.urls import path

from certification.decisions import views

urlpatterns: list = [
    path("cases/<int:case_id>/decision/", views.decision, name="decision"),
    path("cases/<int:case_id>/notices/<slug:kind>/", views.notice, name="decision_notice"),
    path("persons/<int:resident_id>/certifications/", views.history, name="history"),
    path("persons/<int:resident_id>/certifications/<int:certification_id>/revoke/", views.revoke,
         name="certification_revoke"),
    path("renewals/", views.renewal_due, name="renewal_due"),
]
