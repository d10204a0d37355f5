from django.urls import path

from premiums import views

app_name = "premiums"

urlpatterns = [
    # a person's premium tab (保険料), next to the qualification tabs under /persons/<id>/
    path("<int:resident_id>/premiums/", views.premium_tab, name="tab"),
    path("<int:resident_id>/premiums/payment/", views.counter_payment, name="counter-payment"),
    path("<int:resident_id>/premiums/reduction/", views.reduction_apply_view, name="reduction-apply"),
    path("<int:resident_id>/premiums/<int:levy_id>/<slug:kind>.pdf", views.notice, name="notice"),
    path("<int:resident_id>/premiums/reductions/<int:reduction_id>/<slug:kind>.pdf", views.reduction_notice,
         name="reduction-notice"),
]

# office screens of premiums (not about one person), under /premiums/
office_urlpatterns = [
    path("arrears/", views.arrears, name="arrears"),
    path("reductions/", views.reductions, name="reductions"),
    path("simulator/", views.simulator, name="simulator"),
    path("notices/run/<int:run_id>.pdf", views.run_notices, name="run-notices"),
]
