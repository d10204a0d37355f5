"""URLs of premiums: a person's screens under /persons/<id>/ (namespace ``premiums``) and the
office's screens under /premiums/ (``premiums_office``), each served by its sub-domain's views."""

from django.urls import path

from premiums.arrears import views as arrears
from premiums.collection import views as collection
from premiums.levy import views as levy
from premiums.notices import views as notices
from premiums.rates import views as rates
from premiums.reductions import views as reductions
from premiums.tab import views as tab

app_name = "premiums"

urlpatterns = [
    # a person's premium tab (保険料), next to the qualification tabs under /persons/<id>/
    path("<int:resident_id>/premiums/", tab.premium_tab, name="tab"),
    path("<int:resident_id>/premiums/payment/", collection.counter_payment, name="counter-payment"),
    path("<int:resident_id>/premiums/payment/<int:receipt_id>/", collection.counter_payment_done,
         name="counter-payment-done"),
    path("<int:resident_id>/premiums/receipts/<int:receipt_id>.pdf", collection.receipt, name="receipt"),
    path("<int:resident_id>/premiums/late-charge-exemption/", collection.exemption_apply,
         name="late-charge-exemption"),
    path("<int:resident_id>/premiums/settlement/", collection.settlement, name="settlement"),
    path("<int:resident_id>/premiums/settlements/<int:settlement_id>.pdf", collection.settlement_notice,
         name="settlement-notice"),
    path("<int:resident_id>/premiums/reduction/", reductions.reduction_apply_view, name="reduction-apply"),
    path("<int:resident_id>/premiums/<int:levy_id>/<slug:kind>.pdf", notices.notice, name="notice"),
    path("<int:resident_id>/premiums/<int:levy_id>/<slug:kind>/issue/", notices.notice_issue_view,
         name="notice-issue"),
    path("<int:resident_id>/premiums/reductions/<int:reduction_id>/<slug:kind>.pdf", notices.reduction_notice,
         name="reduction-notice"),
    path("<int:resident_id>/premiums/reductions/<int:reduction_id>/<slug:kind>/issue/",
         notices.reduction_notice_issue_view, name="reduction-notice-issue"),
    path("<int:resident_id>/premiums/notices/<int:notice_id>.pdf", notices.issued_notice, name="issued-notice"),
]

# office screens of premiums (not about one person), under /premiums/
office_urlpatterns = [
    path("arrears/", arrears.arrears, name="arrears"),
    path("reductions/", reductions.reductions, name="reductions"),
    path("late-charge-exemptions/", collection.exemptions, name="exemptions"),
    path("held-payments/", collection.held_payments, name="held-payments"),
    path("transfers/", collection.transfers, name="transfers"),
    path("transfers/create/", collection.transfer_create, name="transfer-create"),
    path("transfers/results/", collection.transfer_results, name="transfer-results"),
    path("simulator/", levy.simulator, name="simulator"),
    path("rates/", rates.rate_tables, name="rate-tables"),
    path("rates/new/", rates.rate_table_new, name="rate-table-new"),
    path("rates/<int:table_id>/", rates.rate_table, name="rate-table"),
    path("rates/<int:table_id>/edit/", rates.rate_table_edit_view, name="rate-table-edit"),
    path("rates/<int:table_id>/approve/", rates.rate_table_approve_view, name="rate-table-approve"),
    path("notices/run/<int:run_id>.pdf", notices.run_notices, name="run-notices"),
]
