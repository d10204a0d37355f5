from django.urls import path

from kaigo.batches.api import views

urlpatterns = [
    path("", views.BatchRunList.as_view(), name="api-batch-list"),
    path("<int:run_id>/", views.BatchRunDetail.as_view(), name="api-batch-detail"),
]
