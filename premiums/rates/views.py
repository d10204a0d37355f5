"""Screens of the rate tables (保険料率表): the list of fiscal years and their status, one year's
table for every role holding premium.table.view, a new draft and its edit for premium.table.manage,
the approval by a section chief who neither drafted nor changed it. Reads through
premiums.rates.selectors (no personal data: no access log); writes through premiums.rates.services,
which check the actor's role themselves. A GET writes nothing."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from kaigo.forms import form_run
from kaigo.shell.permissions import permission_required
from kaigo.staff.roles import Role, has_permission
from premiums.rates import selectors
from premiums.rates.forms import ApproveForm, RateTableDraftForm, RateTableForm, StageFormSet, stage_values
from premiums.rates.models import RateTableStatus
from premiums.rates.services import (
    TABLE_FIELDS,
    StageValues,
    rate_table_approve,
    rate_table_draft,
    rate_table_edit,
)
from premiums.rules.errors import RateTableError


def _view(table_id: int) -> selectors.RateTableView:
    try:
        return selectors.rate_table_view(table_id)
    except RateTableError as missing:
        if missing.code == "premium_rate_table_not_found":
            raise Http404 from None
        raise


def _may_approve(user, view: selectors.RateTableView) -> bool:
    return (view.table.status == RateTableStatus.DRAFT and Role.SECTION_CHIEF in user.active_roles
            and user.pk not in view.editors)


@never_cache
@require_GET
@permission_required("premium.table.view")
def rate_tables(request):
    """保険料率表の一覧: every table and collection plan by fiscal years, with its status."""
    tables = [(t, selectors.fiscal_years_text(t.valid_from, t.valid_to)) for t in selectors.rate_table_list()]
    plans = [(p, selectors.fiscal_years_text(p.valid_from, p.valid_to)) for p in selectors.collection_plan_list()]
    return render(request, "premiums/rates/list.html", {
        "tables": tables, "plans": plans, "can_manage": has_permission(request.user, "premium.table.manage"),
    })


@never_cache
@require_GET
@permission_required("premium.table.view")
def rate_table(request, table_id: int):
    """One table: settings, stages with their income bands and annual amounts, the collection
    plan of its years, the change trail; edit and approve where the user may."""
    view = _view(table_id)
    draft = view.table.status == RateTableStatus.DRAFT
    return render(request, "premiums/rates/detail.html", {
        "view": view, "table": view.table, "draft": draft,
        "can_edit": draft and has_permission(request.user, "premium.table.manage"),
        "can_approve": _may_approve(request.user, view),
        "is_chief_editor": draft and Role.SECTION_CHIEF in request.user.active_roles
        and request.user.pk in view.editors,
        "approve_form": ApproveForm(),
    })


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("premium.table.manage")
def rate_table_new(request):
    """新しい年度の保険料率表（案）: a copy of a stored table for the new years, then its edit."""
    sources = [(t.pk, f"{t.name}（{selectors.fiscal_years_text(t.valid_from, t.valid_to)}・{t.get_status_display()}）")
               for t in selectors.rate_table_list()]
    initial = {"source": sources[0][0]} if sources else {}
    form = RateTableDraftForm(request.POST if request.method == "POST" else None, sources=sources, initial=initial)
    draft = request.method == "POST" and form_run(form, lambda data: rate_table_draft(
        actor=request.user, valid_from=data["valid_from"], valid_to=data["valid_to"], name=data["name"],
        from_table_id=data["source"]))
    if draft:
        messages.success(request, f"保険料率表「{draft.name}」（案）を作成しました。内容を確認・変更してください。")
        return redirect("premiums_office:rate-table-edit", table_id=draft.pk)
    return render(request, "premiums/rates/new.html", {"form": form}, status=400 if form.errors else 200)


def _stage_initial(table) -> list[dict]:
    return [{"number": row.number, "label": row.label, "group": row.group, "income_upper": row.income_upper,
             "upper_inclusive": "true" if row.upper_inclusive else "false",
             "multiplier": row.multiplier, "reduced_multiplier": row.reduced_multiplier}
            for row in table.stages.order_by("number")]


def _label_rows(stages) -> None:
    """Each stage row's labels say which row they belong to (「第3段階の保険料率」, 「追加する段階の
    区分」): the cells' aria-label and the error summary's links read them."""
    for f in stages:
        number = f["number"].value()
        row = f"第{number}段階" if number not in (None, "") else "追加する段階"
        for field in f.fields.values():
            field.label = f"{row}の{field.label}"


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("premium.table.manage")
def rate_table_edit_view(request, table_id: int):
    """The edit of a draft: its settings and all its stages, saved together in one transaction."""
    view = _view(table_id)
    table = view.table
    if table.status != RateTableStatus.DRAFT:
        messages.error(request, f"保険料率表「{table.name}」は承認済みのため変更できません。")
        return redirect("premiums_office:rate-table", table_id=table.pk)
    posted = request.POST if request.method == "POST" else None
    form = RateTableForm(posted, initial={f: getattr(table, f) for f in TABLE_FIELDS})
    stages = StageFormSet(posted, prefix="stage", initial=_stage_initial(table))
    _label_rows(stages)
    if posted is not None and stages.is_valid():
        saved = form_run(form, lambda data: rate_table_edit(
            actor=request.user, table_id=table.pk, changes={f: data[f] for f in TABLE_FIELDS},
            stages={number: StageValues(group=d["group"], income_upper=d["income_upper"],
                                        upper_inclusive=d["upper_inclusive"], multiplier=d["multiplier"],
                                        reduced_multiplier=d["reduced_multiplier"], label=d["label"] or "")
                    for number, d in stage_values(stages).items()}))
        if saved:
            messages.success(request, f"保険料率表「{saved.name}」（案）を保存しました。")
            return redirect("premiums_office:rate-table", table_id=table.pk)
    elif posted is not None:
        form.is_valid()  # show the settings' errors with the stages' ones
    invalid = bool(form.errors or stages.total_error_count())
    return render(request, "premiums/rates/edit.html", {
        "view": view, "table": table, "form": form, "stages": stages, "invalid": invalid,
    }, status=400 if invalid else 200)


@never_cache
@require_http_methods(["POST"])
@permission_required("premium.table.manage")
def rate_table_approve_view(request, table_id: int):
    """承認 (a section chief who neither drafted nor changed the draft: the service decides)."""
    view = _view(table_id)
    form = ApproveForm(request.POST)
    if form_run(form, lambda data: rate_table_approve(actor=request.user, table_id=table_id)):
        messages.success(request, f"保険料率表「{view.table.name}」を承認しました。{view.years}の賦課に使われます。")
        return redirect("premiums_office:rate-table", table_id=table_id)
    view = _view(table_id)
    draft = view.table.status == RateTableStatus.DRAFT
    return render(request, "premiums/rates/detail.html", {
        "view": view, "table": view.table, "draft": draft,
        "can_edit": draft and has_permission(request.user, "premium.table.manage"),
        "can_approve": _may_approve(request.user, view), "is_chief_editor": False, "approve_form": form,
    }, status=400)
