from django.urls import path

from kaigo.staff import views

app_name = "staff"
urlpatterns = [
    path("", views.staff_list, name="list"),
    path("<int:staff_id>/", views.staff_detail, name="detail"),
    path("<int:staff_id>/grant/", views.role_grant, name="grant"),
    path("grants/<int:grant_id>/revoke/", views.role_revoke, name="revoke"),
    path("<int:staff_id>/password-reset/", views.password_reset, name="password_reset"),
    path("<int:staff_id>/unlock/", views.lockout_clear, name="lockout_clear"),
    path("<int:staff_id>/second-factor-reset/", views.second_factor_reset, name="second_factor_reset"),
    # requests to create or disable an account (職員管理の申請) and the chief's decision
    path("requests/", views.account_requests, name="requests"),
    path("requests/new/", views.account_request_new, {"kind": "create"}, name="request_new"),
    path("requests/disable/", views.account_request_new, {"kind": "disable"}, name="request_disable"),
    path("requests/<int:request_id>/", views.account_request_decide, name="request_decide"),
    # the signed-in staff member's own pages
    path("password/", views.password_change, name="password_change"),
    path("second-factor/", views.otp_verify, name="otp_verify"),
    path("second-factor/setup/", views.otp_setup, name="otp_setup"),
]
