from django.urls import path

from kaigo.batches import views

app_name = "batches"
urlpatterns = [
    path("", views.run_list, name="list"),
    path("start/", views.run_start, name="start"),
    path("<int:run_id>/", views.run_detail, name="detail"),
    path("<int:run_id>/resume/", views.run_resume, name="resume"),
]
