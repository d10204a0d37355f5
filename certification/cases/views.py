"""Screens of certification cases for the certification clerks (認定担当, 地域みまもり支援センター) and
the head office: the work list of open cases, a case's page (key dates, events, papers received
and missing, and its forms), the intake of a new application, and the person's 認定 tab. Reads
go through certification.cases.selectors (scope checked, one access-log row per request);
writes through certification.cases.services (role and ward checked there)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from certification.cases import selectors
from certification.cases.forms import (
    CaseFilterForm,
    CaseNewForm,
    CloseForm,
    PaperCancelForm,
    PaperForm,
    PostponeForm,
)
from certification.cases.services import (
    Application,
    case_dismiss,
    case_open,
    case_postpone,
    case_withdraw,
    paper_cancel,
    paper_receive,
)
from certification.rules.cases import PaperKind
from eligibility.codes import Ward
from eligibility.residents.selectors import home_wards
from kaigo.forms import form_run
from kaigo.shell.menu import record_urls
from kaigo.shell.permissions import permission_required
from kaigo.shell.responses import confirm_page, confirmed
from kaigo.staff.roles import has_permission

WARD_LABELS = dict(Ward.choices)
# the stage screens of a case (built by the survey, opinion, assessment and decisions packages)
STAGES = [("certification:survey", "認定調査"), ("certification:opinion", "主治医意見書"),
          ("certification:assessment", "一次判定"), ("certification:decision", "審査会の結果・認定")]


def url_or_none(name: str, *args) -> str | None:
    """The URL of a pattern, or None while no such pattern is installed (a stage screen another
    package adds later)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


# --- the work list ----------------------------------------------------------------------------------


@never_cache
@require_GET
@permission_required("certification.view")
def case_list(request):
    wards = home_wards(request.user)
    if not wards:
        raise PermissionDenied
    choose_ward = len(wards) > 1
    form = CaseFilterForm(request.GET or None)
    if choose_ward:
        form.fields["ward"].choices = [("", "すべての区"), *[(w, label) for w, label in Ward.choices if w in wards]]
    else:
        del form.fields["ward"]
    filters, page_no = selectors.CaseFilter(), 1
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.CaseFilter(ward=data.get("ward") or "", state=data.get("state") or "",
                                       due_soon=bool(data.get("due_soon")))
        page_no = data.get("page") or 1
    page = selectors.case_list(actor=request.user, request=request, filters=filters, today=timezone.localdate(),
                               offset=(page_no - 1) * selectors.CASES_PAGE_SIZE, limit=selectors.CASES_PAGE_SIZE)
    last_page = max((page.total - 1) // selectors.CASES_PAGE_SIZE + 1, 1)
    shown = "・".join(WARD_LABELS[w] for w in page.wards) if not choose_ward or filters.ward else "すべての区"
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "certification/cases/list.html", {
        "page": page, "urls": record_urls("certification:case_detail", [r.case_id for r in page.rows]), "form": form, "choose_ward": choose_ward, "page_no": page_no, "last_page": last_page,
        "query": query.urlencode(), "due_soon_days": selectors.DUE_SOON_DAYS,
        "ward_label": shown,
    }, status=400 if form.errors else 200)


# --- a case's page ----------------------------------------------------------------------------------

# the case page's forms: the action's name (a hidden field) -> (form, its prefix)
ACTIONS = ("paper", "paper_cancel", "postpone", "withdraw", "dismiss")
CLOSE_WHAT = {"withdraw": "取下げ", "dismiss": "却下"}


def _form(action: str, data=None, *, papers=()):
    if action == "paper":
        return PaperForm(data, prefix="paper", initial={"received_on": timezone.localdate()})
    if action == "paper_cancel":
        return PaperCancelForm(data, prefix="cancel", papers=list(papers))
    if action == "postpone":
        return PostponeForm(data, prefix="postpone", initial={"on": timezone.localdate()})
    return CloseForm(data, prefix=action, what=CLOSE_WHAT[action], initial={"on": timezone.localdate()})


def _act(request, case_id: int, action: str, data: dict):
    actor = request.user
    if action == "paper":
        return paper_receive(actor=actor, case_id=case_id, kind=data["kind"], received_on=data["received_on"],
                             note=data["note"])
    if action == "paper_cancel":
        return paper_cancel(actor=actor, paper_id=data["paper"], reason=data["reason"])
    if action == "postpone":
        return case_postpone(actor=actor, case_id=case_id, on=data["on"], reason=data["reason"],
                             expected_by=data["expected_by"])
    close = case_withdraw if action == "withdraw" else case_dismiss
    return close(actor=actor, case_id=case_id, on=data["on"], reason=data["reason"])


DONE = {"paper": "書類の受領を登録しました。", "paper_cancel": "書類の登録を取り消しました。",
        "postpone": "延期通知を記録しました。", "withdraw": "申請の取下げを記録しました（案件は終了しました）。",
        "dismiss": "申請を却下しました（案件は終了しました）。"}


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("certification.view")
def case_detail(request, case_id: int):
    sent = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            raise BadRequest
        sent = _form(action, request.POST,
                     papers=selectors.case_papers_open(case_id) if action == "paper_cancel" else ())
        if action in CLOSE_WHAT and sent.is_valid() and not confirmed(request):
            return _close_confirm(request, case_id, action, sent.cleaned_data)
        if form_run(sent, lambda data: _act(request, case_id, action, data)):
            messages.success(request, DONE[action])
            return redirect("certification:case_detail", case_id=case_id)
    page = selectors.case_page(actor=request.user, request=request, case_id=case_id, today=timezone.localdate())
    forms = {action: _form(action, papers=[(p.pk, f"{p.kind}（{p.received_on.isoformat()} 受領）")
                                           for p in page.papers_open]) for action in ACTIONS}
    if sent is not None:
        forms[request.POST["action"]] = sent
    return render(request, "certification/cases/detail.html", {
        "page": page, "resident": page.header.resident, "forms": forms, "active_tab": "certification",
        "can_update": has_permission(request.user, "certification.update"),
        "can_decide": has_permission(request.user, "certification.decide"),
        "stages": [(label, url_or_none(name, case_id)) for name, label in STAGES],
        "other_kind": PaperKind.OTHER.value,
    }, status=400 if sent is not None and sent.errors else 200)


def _close_confirm(request, case_id: int, action: str, data: dict):
    """The confirmation of a withdrawal or a dismissal: the case, the person masked, the day and the
    reason (nothing written yet)."""
    what = CLOSE_WHAT[action]
    subject = selectors.case_subject(actor=request.user, request=request, case_id=case_id)
    lines = [("案件番号", subject.number), ("対象者", subject.label), (f"{what}の日", data["on"].isoformat()),
             (f"{what}の理由", data["reason"].strip())]
    effect = (f"{what}を記録すると案件は終了し、元に戻せません。再び認定を受けるには新たな申請が必要です。")
    return confirm_page(request, title=f"申請の{what}", lines=lines, effect=effect,
                        back_url=reverse("certification:case_detail", args=[case_id]),
                        submit_label=f"{what}を記録する")


# --- a new application --------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("certification.update")
def case_new(request, resident_id: int):
    form = CaseNewForm(request.POST if request.method == "POST" else None,
                       initial={"applied_on": timezone.localdate(), "papers": [PaperKind.APPLICATION]})
    case = request.method == "POST" and form_run(form, lambda data: case_open(
        actor=request.user, resident_id=resident_id, application=Application(
            kind=data["kind"], applied_on=data["applied_on"], applicant_kind=data["applicant_kind"],
            proxy_office=data["proxy_office"], specified_disease=data["specified_disease"],
            papers=tuple(data["papers"]))))
    if case:
        messages.success(request, f"申請を受け付けました（案件番号 {case.number}）。")
        return redirect("certification:case_detail", case_id=case.pk)
    header = selectors.applicant_header(actor=request.user, request=request, resident_id=resident_id)
    return render(request, "certification/cases/new.html", {
        "person": header, "resident": header.resident, "form": form, "active_tab": "certification",
    }, status=400 if form.errors else 200)


# --- the person's 認定 tab ----------------------------------------------------------------------------


@never_cache
@require_GET
@permission_required("certification.view")
def person_tab(request, resident_id: int):
    tab = selectors.certification_tab(actor=request.user, request=request, resident_id=resident_id,
                                      today=timezone.localdate())
    return render(request, "certification/cases/tab.html", {
        "tab": tab, "resident": tab.header.resident, "active_tab": "certification",
        "can_update": has_permission(request.user, "certification.update"),
    })
