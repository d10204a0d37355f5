from django.urls import path

from eligibility import views

app_name = "eligibility"
urlpatterns = [
    path("", views.resident_search, name="search"),
    path("<int:resident_id>/", views.resident_overview, name="overview"),
]
