"""Screens of the facility cost limits: a person's applications and decisions (with the decision for
a decider, confirmed first, and the certificate), and the application form (keyboard-first)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from benefits.limits import selectors
from benefits.limits.forms import ApplicationForm
from benefits.limits.services import LimitEntry, limit_apply, limit_decide
from eligibility.residents.rules import name_masked
from kaigo.errors import ApplicationError
from kaigo.forms import form_run
from kaigo.shell.permissions import permission_required
from kaigo.shell.responses import confirm_page, confirmed, pdf_response
from kaigo.staff.roles import has_permission


def _person_page(request, resident_id: int, *, problems=(), status: int = 200):
    page = selectors.limits_page(actor=request.user, request=request, resident_id=resident_id,
                                 today=timezone.localdate())
    return render(request, "benefits/limits/person.html", {
        "page": page, "resident": page.resident, "today": page.today, "problems": list(problems),
        "can_apply": has_permission(request.user, "benefit.update"),
        "can_decide": has_permission(request.user, "benefit.decide"),
    }, status=status)


@never_cache
@require_GET
def person(request, resident_id: int):
    """A person's applications and decisions: ``benefit.view`` or ``benefit.decide``."""
    if not (has_permission(request.user, "benefit.view") or has_permission(request.user, "benefit.decide")):
        raise PermissionDenied
    return _person_page(request, resident_id)


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("benefit.update")
def application_new(request, resident_id: int):
    """Register an application received (the paper as filled in); refusals in the error summary."""
    form = ApplicationForm(request.POST or None, initial={"received_on": timezone.localdate()})
    if request.method == "POST" and form_run(form, lambda d: limit_apply(
            actor=request.user, resident_id=resident_id, entry=LimitEntry(
                received_on=d["received_on"], service=d["service"], assets=d["assets"],
                has_spouse=d["has_spouse"], spouse_id=d.get("spouse_id"),
                spouse_taxed_declared={"0": False, "1": True}.get(d.get("spouse_taxed") or ""),
                spouse_assets=d.get("spouse_assets") if d.get("spouse_assets") is not None else
                (None if d["has_spouse"] else 0),
                non_taxed_pensions=d.get("non_taxed_pensions") or 0,
                old_age_welfare_pension=d["old_age_welfare_pension"], renewal=d["renewal"]))):
        messages.success(request, "負担限度額認定の申請を受け付けました。")
        return redirect("benefits:limits_person", resident_id=resident_id)
    header = selectors.entry_header(actor=request.user, request=request, resident_id=resident_id)
    return render(request, "benefits/limits/application_form.html", {
        "page": header, "resident": header.resident, "form": form,
    }, status=400 if form.errors else 200)


@never_cache
@require_POST
@permission_required("benefit.decide")
def decide(request, resident_id: int, application_id: int):
    """Decide an application (confirmed first); the outcome is the rule's, shown after."""
    if not confirmed(request):
        page = selectors.limits_page(actor=request.user, request=request, resident_id=resident_id,
                                     today=timezone.localdate())
        row = next((r for r in page.rows if r.pk == application_id and not r.decided), None)
        if row is None:
            return _person_page(request, resident_id, problems=["決定できる申請がありません。"], status=400)
        lines = [("対象者", name_masked(page.resident.name_kanji or "")), ("受付日", f"{row.received_on:%Y-%m-%d}"),
                 ("利用するサービス", row.service_label)]
        return confirm_page(request, title="負担限度額認定の決定", lines=lines,
                            effect="課税情報と申告の内容から段階を判定し、認定又は却下を決定します。取り消せません。",
                            back_url=reverse("benefits:limits_person", args=[resident_id]),
                            submit_label="決定する")
    try:
        app = limit_decide(actor=request.user, application_id=application_id)
    except ApplicationError as error:
        return _person_page(request, resident_id, problems=getattr(error, "problems", None) or [str(error)],
                            status=400)
    if app.resident_id != resident_id:
        raise PermissionDenied
    messages.success(request, "認定しました。" if app.stage else "却下と決定しました（理由は一覧に表示します）。")
    return redirect("benefits:limits_person", resident_id=resident_id)


@never_cache
@require_GET
@permission_required("benefit.view")
def certificate(request, resident_id: int, application_id: int):
    pdf = selectors.certificate_pdf(actor=request.user, request=request, resident_id=resident_id,
                                    application_id=application_id, today=timezone.localdate())
    return pdf_response(pdf, f"futan-gendogaku-{resident_id}.pdf")
