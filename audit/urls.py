from django.urls import path

from audit import views

app_name = "audit"
urlpatterns = [
    path("", views.access_log, name="access-log"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:alert_id>/acknowledge/", views.alert_acknowledge, name="alert-acknowledge"),
    path("persons/trail/", views.person_trail_open, name="person-trail-open"),
    path("persons/<int:resident_id>/trail/", views.person_trail, name="person-trail"),
]
