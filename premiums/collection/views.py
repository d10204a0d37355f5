"""Screens of collection (収納): the counter payment (窓口収納: several installments and their late
charges in one payment) and its 領収証書, the late charge's exemption (延滞金の減免: asked for at the
counter, decided by the section chief), the decisions on overpayments (還付・充当) with their notices,
and the bank transfer files of refunds. The person's installments are read through
premiums.tab.selectors (one access-log row per request); the writes are premiums.collection.services,
which check the role and the ward themselves."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from eligibility.residents.rules import name_masked
from kaigo.bank.zengin import masked
from kaigo.forms import form_run
from kaigo.shell.permissions import permission_required
from kaigo.shell.responses import confirm_page, confirmed, pdf_response
from kaigo.staff.roles import has_permission
from premiums.collection import selectors
from premiums.collection.forms import (
    ACCOUNT_TYPE_CHOICES,
    CounterPaymentsForm,
    ExemptionApplyForm,
    ExemptionDecideForm,
    HeldPaymentDecideForm,
    SettlementForm,
    TransferResultForm,
)
from premiums.collection.models import PaymentChannel
from premiums.collection.selectors import CounterInvalid, counter_items, counter_quote
from premiums.collection.services import (
    RefundAccount,
    counter_payment_record,
    held_payment_decide,
    late_charge_exemption_apply,
    late_charge_exemption_decide,
    offset_decide,
    refund_decide,
    transfer_file_create,
    transfer_results_receive,
)
from premiums.notices.services import receipt_pdf, settlement_notice_pdf
from premiums.tab import selectors as tab_selectors


def _tab(request, resident_id: int):
    return tab_selectors.premium_tab(actor=request.user, request=request, resident_id=resident_id,
                                     today=timezone.localdate())


def _context(request, tab, **extra) -> dict:
    return {"tab": tab, "resident": tab.resident, "active_tab": "premiums",
            "can_update": has_permission(request.user, "qualification.update"), **extra}


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("premium.collect")
def counter_payment(request, resident_id: int):
    """窓口収納: the open bills (普通徴収) of every levied year with their late charges as of the day of
    payment; the amount is pre-filled from the installments chosen (those past their 納期限 at first)
    and computed again with 「金額を計算」; 「収納を登録」 records it as one receipt."""
    tab = _tab(request, resident_id)
    today = timezone.localdate()
    posted = request.POST if request.method == "POST" else None
    paid_on = today
    if posted is not None:
        try:
            paid_on = min(date.fromisoformat(posted.get("paid_on", "")), today)
        except ValueError:
            paid_on = today
    items = counter_items(resident_id, paid_on=paid_on)
    choices = [(CounterPaymentsForm.key(i.fiscal_year, i.method, i.month), i) for i in items]
    form = CounterPaymentsForm(posted, choices=[(k, k) for k, _ in choices], initial={"paid_on": today})
    quote = None
    if posted is None:
        chosen = [(i.fiscal_year, i.method, i.month) for i in items if i.due_date < today] or \
            [(i.fiscal_year, i.method, i.month) for i in items[:1]]
        if chosen:
            quote = counter_quote(resident_id, chosen, paid_on=today)
            form = CounterPaymentsForm(None, choices=[(k, k) for k, _ in choices], initial={
                "paid_on": today, "amount": quote.total,
                "installments": [CounterPaymentsForm.key(*k) for k in chosen]})
    elif posted.get("action") == "record":
        receipt = form_run(form, lambda data: _record(request, resident_id, form, data))
        if receipt:
            messages.success(request, f"収納を登録しました（領収金額 {receipt.amount:,}円）。")
            return redirect(reverse("premiums:counter-payment-done", args=[resident_id, receipt.pk]))
    elif form.is_valid():  # 金額を計算: the quote of the installments chosen, the amount filled in
        try:
            quote = counter_quote(resident_id, form.keys(), paid_on=form.cleaned_data["paid_on"])
        except CounterInvalid as refused:
            form.add_error(None, refused.message)
        else:
            data = posted.copy()
            data["amount"] = str(quote.total)
            form = CounterPaymentsForm(data, choices=[(k, k) for k, _ in choices])
            form.is_valid()
    if quote is None and form.is_bound and form.is_valid() and form.keys():
        quote = counter_quote(resident_id, form.keys(), paid_on=form.cleaned_data["paid_on"])
    return render(request, "premiums/counter_payment.html", _context(
        request, tab, form=form, items=choices, quote=quote, paid_on=paid_on),
        status=400 if form.errors else 200)


def _record(request, resident_id, form, data):
    if not data.get("amount"):
        raise CounterInvalid("領収金額を入力してください（「金額を計算」で未納額と延滞金の合計が入ります）。")
    return counter_payment_record(actor=request.user, resident_id=resident_id, keys=form.keys(),
                                  amount=data["amount"], paid_on=data["paid_on"], note=data["note"],
                                  overpay_confirmed=data["overpay_confirmed"])


@never_cache
@require_GET
@permission_required("premium.collect")
def counter_payment_done(request, resident_id: int, receipt_id: int):
    """After a counter payment: what was recorded and the link to the 領収証書."""
    tab = _tab(request, resident_id)
    receipt = selectors.receipt_lines(resident_id, receipt_id)
    return render(request, "premiums/counter_payment_done.html", _context(request, tab, receipt=receipt))


@never_cache
@require_GET
@permission_required("premium.collect")
def receipt(request, resident_id: int, receipt_id: int):
    """The 領収証書 of a counter payment as PDF: a preview writes only the access log."""
    return pdf_response(receipt_pdf(receipt_id, actor=request.user, request=request, resident_id=resident_id),
                        f"receipt-{receipt_id}.pdf")


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("premium.collect")
def exemption_apply(request, resident_id: int):
    """延滞金の減免の申請 (counter): an installment with a late charge, the whole or an amount, the reason."""
    tab = _tab(request, resident_id)
    choices = [(CounterPaymentsForm.key(y.fiscal_year, c.method, c.month),
                f"{y.fiscal_year}年度 {c.label}（延滞金 {c.amount:,}円{'' if c.settled else '・本日現在'}、未納 {c.open:,}円）")
               for y in tab.years for c in y.late_charges if c.open]
    form = ExemptionApplyForm(request.POST if request.method == "POST" else None, choices=choices)
    if request.method == "POST" and form_run(form, lambda data: late_charge_exemption_apply(
            actor=request.user, resident_id=resident_id, fiscal_year=int(data["installment"].split(":")[0]),
            month=date.fromisoformat(data["installment"].split(":")[2]), amount=data["amount"],
            reason=data["reason"])):
        messages.success(request, "延滞金の減免の申請を受け付けました。所管課長が決定します。")
        return redirect("premiums:tab", resident_id=resident_id)
    return render(request, "premiums/exemption_apply.html", _context(request, tab, form=form),
                  status=400 if form.errors else 200)


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("premium.reduction.decide")
def exemptions(request):
    """延滞金の減免の決定 (section chief): the applications waiting, each with the charge as of today."""
    form, failed_id = None, None
    if request.method == "POST":
        exemption_id = request.POST.get("exemption", "")
        if not exemption_id.isdigit():
            raise Http404
        form = ExemptionDecideForm(request.POST, auto_id=f"exemption-{exemption_id}-%s")
        if form.is_valid() and not confirmed(request):
            return _exemption_confirm(request, int(exemption_id), form.cleaned_data)
        if form_run(form, lambda data: late_charge_exemption_decide(
                actor=request.user, exemption_id=int(exemption_id), approve=data["decision"] == "approve",
                reason=data["reason"])):
            messages.success(request, "延滞金の減免を決定しました。")
            return redirect("premiums_office:exemptions")
        failed_id = int(exemption_id)
    page = selectors.exemptions_pending(actor=request.user, request=request, today=timezone.localdate())
    return render(request, "premiums/exemptions.html", {
        "page": page, "forms": {row[0].id: form if row[0].id == failed_id else ExemptionDecideForm(
            auto_id=f"exemption-{row[0].id}-%s") for row in page.rows},
    }, status=400 if form is not None and form.errors else 200)


CONFIRM_FUNCTION = "premium.decision.confirm"


def _exemption_confirm(request, exemption_id: int, data):
    """The confirmation of a late charge's exemption decision: the person masked, the charge, what
    was asked, the decision and its reason (nothing written yet)."""
    e = selectors.exemption_to_decide(exemption_id, today=timezone.localdate())
    subject = tab_selectors.decision_subject(actor=request.user, request=request, resident_id=e.resident_id,
                                             function=CONFIRM_FUNCTION)
    approve = data["decision"] == "approve"
    charge = e.charge
    lines = [("対象者", subject.label), ("延滞金", f"{e.fiscal_year}年度 {e.month.year}年{e.month.month}月の納期"),
             ("延滞金の額", f"{charge.amount:,}円（{'確定' if charge.settled else '本日納付の場合'}、未納 {charge.open:,}円）"
              if charge else "—"),
             ("申請の減免額", "全額" if e.asked is None else f"{e.asked:,}円"),
             ("決定", "承認（減免する）" if approve else "却下"), ("決定の理由", data["reason"].strip())]
    effect = ("承認すると取り消せません。延滞金から申請の減免額を差し引きます（窓口の請求額・保険料の画面に反映されます）。"
              if approve else "却下すると取り消せません。延滞金は申請前のまま請求されます。")
    return confirm_page(request, title="延滞金の減免の決定", lines=lines, effect=effect,
                        back_url=reverse("premiums_office:exemptions") + f"#exemption-{exemption_id}")


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("premium.settle")
def settlement(request, resident_id: int):
    """還付・充当の決定: a year's overpayment refunded by transfer to the account the clerk enters, or
    applied to an open bill installment of the same person (DOMAIN 2.13: offset first)."""
    tab = _tab(request, resident_id)
    sources = [(str(y.fiscal_year), f"{y.fiscal_year}年度（過納額 {y.balance.overpaid:,}円）")
               for y in tab.years if y.balance.overpaid]
    targets = [(CounterPaymentsForm.key(y.fiscal_year, r.method, r.month),
                f"{y.fiscal_year}年度 {r.label}（未納 {r.open:,}円）")
               for y in reversed(tab.years) for r in y.balance.rows if r.billed and r.open]
    form = SettlementForm(request.POST if request.method == "POST" else None, sources=sources, targets=targets,
                          initial={"kind": "offset" if targets else "refund"})
    if request.method == "POST" and form.is_valid() and not confirmed(request):
        return _settlement_confirm(request, resident_id, form, sources, targets)
    if request.method == "POST":
        done = form_run(form, lambda data: _settle(request, resident_id, data))
        if done:
            messages.success(request, f"{done.get_kind_display()}を決定しました（{done.amount:,}円）。")
            return redirect(reverse("premiums:tab", args=[resident_id]) + f"?year={done.fiscal_year}")
    return render(request, "premiums/settlement.html", _context(
        request, tab, form=form, settlements=selectors.settlements_of(resident_id)),
        status=400 if form.errors else 200)


def _settlement_confirm(request, resident_id: int, form, sources, targets):
    """The confirmation of a refund or an offset: the person masked, the year, the amount, where the
    money goes (the account masked), the effect (nothing written yet)."""
    data = form.cleaned_data
    subject = tab_selectors.decision_subject(actor=request.user, request=request, resident_id=resident_id,
                                             function=CONFIRM_FUNCTION)
    refund = data["kind"] == "refund"
    lines = [("対象者", subject.label), ("決定", "還付（口座振込）" if refund else "充当"),
             ("過納の年度", dict(sources)[data["source"]]), ("金額", f"{data['amount']:,}円")]
    if refund:
        account_type = dict(ACCOUNT_TYPE_CHOICES).get(data["account_type"], "")
        account = (f"金融機関 {data['bank_code']}・支店 {data['branch_code']}・{account_type} "
                   f"{masked(data['account_number'])}")
        lines += [("振込先", account), ("口座名義", name_masked(data["account_holder"]))]
        effect = (f"決定すると取り消せません。次の振込ファイルで {data['amount']:,}円を振り込みます。"
                  "決定後、還付通知書を印刷できます。")
    else:
        lines.append(("充当先", dict(targets)[data["target"]]))
        effect = f"決定すると取り消せません。過納額から {data['amount']:,}円を充当先の納期の納付に充てます。決定後、充当通知書を印刷できます。"
    lines.append(("理由", data["reason"].strip()))
    return confirm_page(request, title="還付・充当の決定", lines=lines, effect=effect,
                        back_url=reverse("premiums:settlement", args=[resident_id]))


def _settle(request, resident_id: int, data):
    if data["kind"] == "offset":
        fiscal_year, method, month = data["target"].split(":")
        return offset_decide(actor=request.user, resident_id=resident_id, fiscal_year=int(data["source"]),
                             amount=data["amount"], to_fiscal_year=int(fiscal_year), to_method=method,
                             to_month=date.fromisoformat(month), reason=data["reason"])
    return refund_decide(actor=request.user, resident_id=resident_id, fiscal_year=int(data["source"]),
                         amount=data["amount"], reason=data["reason"], account=RefundAccount(
                             data["bank_code"], data["branch_code"], data["account_type"], data["account_number"],
                             data["account_holder"]))


@never_cache
@require_GET
@permission_required("premium.settle")
def settlement_notice(request, resident_id: int, settlement_id: int):
    """還付通知書 or 充当通知書 of a decision, as PDF: a preview writes only the access log."""
    content, kind = settlement_notice_pdf(settlement_id, actor=request.user, request=request, resident_id=resident_id)
    return pdf_response(content, f"notice-{kind}-{settlement_id}.pdf")


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("premium.settle")
def held_payments(request):
    """保留中の収納: payments of payment files far beyond what was due, each applied as an
    overpayment or returned by a clerk's decision."""
    form, failed_id = None, None
    if request.method == "POST":
        held_id = request.POST.get("held", "")
        if not held_id.isdigit():
            raise Http404
        form = HeldPaymentDecideForm(request.POST, auto_id=f"held-{held_id}-%s")
        if form_run(form, lambda data: held_payment_decide(actor=request.user, held_id=int(held_id),
                                                           action=data["decision"], reason=data["reason"])):
            messages.success(request, "保留中の収納について判断を記録しました。")
            return redirect("premiums_office:held-payments")
        failed_id = int(held_id)
    page = selectors.held_payments_pending(actor=request.user, request=request)
    return render(request, "premiums/held_payments.html", {
        "page": page, "forms": {row[0].id: form if row[0].id == failed_id else HeldPaymentDecideForm(
            auto_id=f"held-{row[0].id}-%s") for row in page.rows},
        "channels": dict(PaymentChannel.choices),
    }, status=400 if form is not None and form.errors else 200)


@never_cache
@require_http_methods(["GET"])
@permission_required("premium.settle")
def transfers(request):
    """振込（還付）: the refunds waiting for a transfer file, the files written and their results."""
    return render(request, "premiums/transfers.html", {
        "page": selectors.transfers_page(), "result_form": TransferResultForm(),
    })


@never_cache
@require_POST
@permission_required("premium.settle")
def transfer_create(request):
    """Write the 総合振込 file of every refund waiting (a POST: it records the file and its lines)."""
    created = transfer_file_create(actor=request.user, transfer_date=timezone.localdate())
    if created is None:
        messages.info(request, "振込を待っている還付はありません。")
        return redirect("premiums_office:transfers")
    response = HttpResponse(created.data, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="sogo-furikomi-{created.file.pk}.txt"'
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_POST
@permission_required("premium.settle")
def transfer_results(request):
    """Take the bank's return of a transfer file: each refund paid or not (振込不能)."""
    form = TransferResultForm(request.POST, request.FILES)
    result = form_run(form, lambda data: transfer_results_receive(actor=request.user,
                                                                  data=data["file"].read()))
    if result is not None:
        messages.success(request, f"振込結果を受け付けました（振込済 {result.done}件、振込不能 {result.failed}件）。")
        return redirect("premiums_office:transfers")
    return render(request, "premiums/transfers.html", {"page": selectors.transfers_page(), "result_form": form},
                  status=400)
