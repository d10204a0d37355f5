"""URLs of the benefit records (mounted under /benefits/records/, namespace ``benefits``)."""

from django.urls import path

from benefits.records import views

urlpatterns: list = [
    path("files/", views.files, name="record_files"),
    path("files/<int:record_file_id>/", views.file_detail, name="record_file"),
    path("persons/<int:resident_id>/", views.person_records, name="person_records"),
]
