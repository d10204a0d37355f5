"""URLs of regional support (mounted under /benefits/regional/ by benefits/urls.py, namespace ``benefits``)."""

from django.urls import path

from benefits.regional import views

urlpatterns: list = [
    path("persons/<int:resident_id>/", views.person, name="regional_person"),
    path("persons/<int:resident_id>/checklists/new/", views.checklist_new, name="regional_checklist_new"),
    path("persons/<int:resident_id>/checklists/<int:checklist_id>/decide/", views.decide, name="regional_decide"),
    path("persons/<int:resident_id>/participants/<int:participant_id>/end/", views.end, name="regional_end"),
]
