from django.urls import path

from bench import views

urlpatterns = [
    path("bare", views.bare),
    path("persons/<int:resident_id>/nolog/", views.overview_without_log),
    path("persons/<int:resident_id>/plain/", views.overview_plain),
]
