from django.contrib.auth import views as auth_views
from django.urls import path

from kaigo.shell import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="shell/login.html", redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
    path("system/", views.system_status, name="system-status"),
]
