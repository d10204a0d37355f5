"""Screens of regional support: a person's checklists and participant status (with the decision
and the end of a status for a decider, each confirmed first), and the checklist entry form
(keyboard-first: 24 はい/いいえ radio groups, arrow keys choose, Tab goes to the next question)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from benefits.regional import selectors
from benefits.regional.forms import ChecklistForm, DecideForm, EndForm
from benefits.regional.services import ChecklistEntry, checklist_enter, participant_decide, participant_end
from eligibility.residents.rules import name_masked
from kaigo.forms import form_run
from kaigo.shell.permissions import permission_required
from kaigo.shell.responses import confirm_page, confirmed
from kaigo.staff.roles import has_permission


def _person_page(request, resident_id: int, *, decide_form=None, end_form=None, decide_for: int | None = None,
                 status: int = 200):
    page = selectors.regional_page(actor=request.user, request=request, resident_id=resident_id,
                                   today=timezone.localdate())
    open_status = any(p.ended_on is None for p in page.participants)
    # the decision is offered on the newest checklist that met a criterion and decided nothing yet
    target = next((c for c in page.checklists if c.matched and not c.decided), None) if not open_status else None
    if decide_for is not None and (target is None or target.pk != decide_for):
        decide_form = None
    return render(request, "benefits/regional/person.html", {
        "page": page, "resident": page.resident, "today": page.today, "decide_target": target,
        "can_enter": has_permission(request.user, "benefit.update"),
        "can_decide": has_permission(request.user, "benefit.decide"),
        "decide_form": decide_form or DecideForm(initial={"confirmed_on": page.today}),
        "end_form": end_form or EndForm(),
    }, status=status)


@never_cache
@require_GET
def person(request, resident_id: int):
    """A person's basic checklists (answers, BMI, the criteria met) and participant statuses:
    ``benefit.view`` or ``benefit.decide`` (a decider sees what they decide)."""
    if not (has_permission(request.user, "benefit.view") or has_permission(request.user, "benefit.decide")):
        raise PermissionDenied
    return _person_page(request, resident_id)


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("benefit.update")
def checklist_new(request, resident_id: int):
    """Enter a basic checklist for the person; refusals listed in the error summary, by question."""
    form = ChecklistForm(request.POST or None, initial={"checked_on": timezone.localdate()})
    if request.method == "POST" and form_run(form, lambda d: checklist_enter(
            actor=request.user, resident_id=resident_id, entry=ChecklistEntry(
                checked_on=d["checked_on"], place=d["place"], answers=form.answers(),
                height_cm=d.get("height_cm"), weight_kg=d.get("weight_kg")))):
        messages.success(request, "基本チェックリストを登録しました。")
        return redirect("benefits:regional_person", resident_id=resident_id)
    header = selectors.entry_header(actor=request.user, request=request, resident_id=resident_id)
    return render(request, "benefits/regional/checklist_form.html", {
        "page": header, "resident": header.resident, "form": form,
    }, status=400 if form.errors else 200)


@never_cache
@require_POST
@permission_required("benefit.decide")
def decide(request, resident_id: int, checklist_id: int):
    """Decide the person a project participant from one checklist (confirmed first)."""
    form = DecideForm(request.POST)
    if form.is_valid() and not confirmed(request):
        d = form.cleaned_data
        page = selectors.regional_page(actor=request.user, request=request, resident_id=resident_id,
                                       today=timezone.localdate())
        row = next((c for c in page.checklists if c.pk == checklist_id), None)
        if row is None:
            raise Http404
        lines = [("対象者", name_masked(page.resident.name_kanji or "")), ("基本チェックリストの実施日", f"{row.checked_on:%Y-%m-%d}"),
                 ("該当した基準", "、".join(row.matched_labels) or "なし"), ("確認日", f"{d['confirmed_on']:%Y-%m-%d}"),
                 ("適用開始日", f"{(d['valid_from'] or row.checked_on):%Y-%m-%d}")]
        return confirm_page(request, title="事業対象者の決定", lines=lines,
                            effect="事業対象者として記録され、負担割合・国保連への連絡の対象になります。",
                            back_url=reverse("benefits:regional_person", args=[resident_id]),
                            submit_label="事業対象者に決定する")
    if form_run(form, lambda d: participant_decide(actor=request.user, checklist_id=checklist_id,
                                                   resident_id=resident_id, confirmed_on=d["confirmed_on"],
                                                   valid_from=d["valid_from"])):
        messages.success(request, "事業対象者に決定しました。")
        return redirect("benefits:regional_person", resident_id=resident_id)
    return _person_page(request, resident_id, decide_form=form, decide_for=checklist_id, status=400)


@never_cache
@require_POST
@permission_required("benefit.decide")
def end(request, resident_id: int, participant_id: int):
    """End the person's participant status (confirmed first)."""
    form = EndForm(request.POST)
    if form.is_valid() and not confirmed(request):
        d = form.cleaned_data
        page = selectors.regional_page(actor=request.user, request=request, resident_id=resident_id,
                                       today=timezone.localdate())
        lines = [("対象者", name_masked(page.resident.name_kanji or "")), ("終了日", f"{d['on']:%Y-%m-%d}"),
                 ("終了の事由", dict(EndForm.base_fields["reason"].choices).get(d["reason"], ""))]
        return confirm_page(request, title="事業対象者の終了", lines=lines,
                            effect="この日から事業対象者ではなくなります。元に戻すには改めて決定が必要です。",
                            back_url=reverse("benefits:regional_person", args=[resident_id]), submit_label="終了する")
    if form_run(form, lambda d: participant_end(actor=request.user, participant_id=participant_id,
                                                resident_id=resident_id, on=d["on"], reason=d["reason"])):
        messages.success(request, "事業対象者の終了を登録しました。")
        return redirect("benefits:regional_person", resident_id=resident_id)
    return _person_page(request, resident_id, end_form=form, status=400)
