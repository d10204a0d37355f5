"""URLs of certification's cases (mounted under /certification/ by certification/urls.py, namespace
``certification``): the work list, a case's page, a new application and the person's 認定 tab."""

from django.urls import path

from certification.cases import views

urlpatterns: list = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/<int:case_id>/", views.case_detail, name="case_detail"),
    path("persons/<int:resident_id>/", views.person_tab, name="person_tab"),
    path("persons/<int:resident_id>/new/", views.case_new, name="case_new"),
]
