"""Screens of collection (収納): the counter payment (窓口収納) of a person. The person's
installments are read through premiums.tab.selectors (one access-log row per request); the
payment is written by premiums.collection.services."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from kaigo.forms import form_run
from kaigo.shell.permissions import permission_required
from kaigo.staff.roles import has_permission
from premiums.collection.forms import CounterPaymentForm
from premiums.collection.services import CounterPayment, payment_record_counter
from premiums.tab import selectors as tab_selectors


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("premium.collect")
def counter_payment(request, resident_id: int):
    tab = tab_selectors.premium_tab(actor=request.user, request=request, resident_id=resident_id,
                                    today=timezone.localdate())
    choices = [(CounterPaymentForm.key(y.fiscal_year, r.method, r.month),
                f"{y.fiscal_year}年度 {r.label}（納期限 {r.due_date:%Y-%m-%d}、未納 {r.open:,}円）")
               for y in tab.years for r in y.balance.rows if r.open and r.due_date]
    form = CounterPaymentForm(request.POST if request.method == "POST" else None, choices=choices,
                              initial={"paid_on": timezone.localdate()})
    if request.method == "POST" and form_run(form, lambda data: payment_record_counter(
            actor=request.user, resident_id=resident_id,
            data=CounterPayment(*form.installment_parts(), data["amount"], data["paid_on"], data["note"]))):
        messages.success(request, "収納を登録しました。")
        return redirect("premiums:tab", resident_id=resident_id)
    return render(request, "premiums/counter_payment.html", {
        "tab": tab, "resident": tab.resident, "form": form, "active_tab": "premiums",
        "can_update": has_permission(request.user, "qualification.update"),
    }, status=400 if form.errors else 200)
