"""URLs of certification's opinion (mounted under /certification/ by certification/urls.py, namespace
``certification``)."""

from django.urls import path

from certification.opinion import views

urlpatterns: list = [
    path("cases/<int:case_id>/opinion/", views.opinion, name="opinion"),
    path("opinions/late/", views.late_opinions, name="opinion_late"),
    path("opinions/doctors/", views.doctors, name="opinion_doctors"),
]
