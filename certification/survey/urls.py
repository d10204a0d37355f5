"""URLs of certification's survey (mounted under /certification/ by certification/urls.py, namespace
``certification``)."""

from django.urls import path

from certification.survey import views

urlpatterns: list = [
    path("cases/<int:case_id>/survey/", views.survey, name="survey"),
    path("survey-files/", views.survey_files, name="survey_files"),
    path("survey-files/<int:survey_file_id>/", views.survey_file, name="survey_file"),
]
