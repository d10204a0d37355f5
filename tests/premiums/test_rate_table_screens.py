"""The rate table screens (issue 16, item 8): every role holding premium.table.view sees the years
and a year's table (stages, income bands, amounts, collection plan); premium.table.manage drafts and
edits a draft (per-field Japanese messages, full-width digits); a section chief who neither drafted
nor changed it approves (four eyes, decided by the existing permissions and the service); an
approved table is read-only; every change is in the change trail and shown."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from kaigo.errors import InvalidState, NotPermitted
from kaigo.staff.roles import Role
from premiums.models import PremiumRateTable, PremiumStage, RateTableStatus
from premiums.rates.services import (
    StageValues,
    rate_table_approve,
    rate_table_draft,
    rate_table_edit,
    rate_table_update_stage,
)
from premiums.trail import PremiumRateTableEvent, PremiumStageEvent
from tests.staff.helpers import satisfy_second_factor

pytestmark = pytest.mark.django_db

SEEDED_FY2025 = "第9期 国の標準段階（令和7・8年度）"
LIST = "/premiums/rates/"


def seeded() -> PremiumRateTable:
    return PremiumRateTable.objects.get(name=SEEDED_FY2025, created_by__isnull=True)


def signed_in(staff) -> Client:
    client = Client()
    client.force_login(staff)
    satisfy_second_factor(client, staff)
    client.staff = staff
    return client


@pytest.fixture
def clerk(make_staff):
    return make_staff(Role.HEAD_OFFICE_CLERK)


@pytest.fixture
def chief(make_staff):
    return make_staff(Role.SECTION_CHIEF)


def draft_of(clerk, name="第10期 保険料率表（案）") -> PremiumRateTable:
    return rate_table_draft(actor=clerk, valid_from=2027, valid_to=2029, name=name, from_table_id=seeded().pk)


def form_data(table: PremiumRateTable, *, stages: dict[int, dict] | None = None, extra: dict | None = None,
              **settings) -> dict:
    """What the edit form posts for ``table`` as stored, with ``settings`` and ``stages`` (number ->
    fields) replacing typed values; ``extra``: the blank row's fields."""
    data = {
        "name": table.name, "valid_from": table.valid_from, "valid_to": table.valid_to or "",
        "base_amount": table.base_amount, "annual_rounding_unit": table.annual_rounding_unit,
        "annual_rounding_mode": table.annual_rounding_mode, "proration_rounding_unit": table.proration_rounding_unit,
        "proration_rounding_mode": table.proration_rounding_mode,
        "public_assistance_stage": table.public_assistance_stage,
        "old_age_welfare_pension_stage": table.old_age_welfare_pension_stage,
        "income_adjustment": table.income_adjustment,
    }
    if table.income_adjustment_taxed:
        data["income_adjustment_taxed"] = "on"
    if table.count_non_taxable_pension:
        data["count_non_taxable_pension"] = "on"
    data.update(settings)
    rows = list(table.stages.order_by("number"))
    for i, s in enumerate(rows):
        row = {"number": s.number, "label": s.label, "group": s.group,
               "income_upper": "" if s.income_upper is None else s.income_upper,
               "upper_inclusive": "true" if s.upper_inclusive else "false", "multiplier": s.multiplier,
               "reduced_multiplier": "" if s.reduced_multiplier is None else s.reduced_multiplier}
        row.update((stages or {}).get(s.number, {}))
        data.update({f"stage-{i}-{k}": v for k, v in row.items()})
    data.update({f"stage-{len(rows)}-{k}": v for k, v in (extra or {}).items()})
    data.update({"stage-TOTAL_FORMS": len(rows) + 1, "stage-INITIAL_FORMS": len(rows),
                 "stage-MIN_NUM_FORMS": 0, "stage-MAX_NUM_FORMS": 1000})
    return {k: v for k, v in data.items() if v is not None}


def trail_count(table) -> int:
    return (PremiumRateTableEvent.objects.filter(pgh_obj_id=table.pk).count()
            + PremiumStageEvent.objects.filter(table_id=table.pk).count())


# --- who may do what -------------------------------------------------------------------------------

ROLES = [
    # role, view (list, detail), draft and edit (new, edit GET), approve a draft drafted by another
    pytest.param(Role.HEAD_OFFICE_CLERK, 200, 200, "refused", id="head-office-clerk"),
    pytest.param(Role.SECTION_CHIEF, 200, 200, "approved", id="section-chief"),
    pytest.param(Role.WARD_CLERK, 200, 403, 403, id="ward-clerk"),
    pytest.param(Role.INQUIRY, 403, 403, 403, id="inquiry"),
    pytest.param(Role.AUDITOR, 403, 403, 403, id="auditor"),
    pytest.param(Role.OPERATOR, 403, 403, 403, id="operator"),
]


@pytest.mark.parametrize(("role", "view", "manage", "approve"), ROLES)
def test_role_table(make_staff, clerk, role, view, manage, approve):
    draft = draft_of(clerk)
    client = signed_in(make_staff(role))
    assert client.get(LIST).status_code == view
    assert client.get(f"{LIST}{draft.pk}/").status_code == view
    assert client.get(f"{LIST}new/").status_code == manage
    assert client.get(f"{LIST}{draft.pk}/edit/").status_code == manage
    response = client.post(f"{LIST}{draft.pk}/approve/", {"confirm": "on"})
    draft.refresh_from_db()
    if approve == "approved":
        assert response.status_code == 302 and draft.status == RateTableStatus.APPROVED
        assert draft.approved_by == client.staff
    else:  # a head-office clerk holds premium.table.manage but is no section chief: the service refuses
        assert response.status_code == 403 and draft.status == RateTableStatus.DRAFT


def test_anonymous_is_sent_to_the_login():
    response = Client().get(LIST)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_menu_shows_the_rate_tables_to_those_who_may_view(make_staff):
    assert "保険料率表" in signed_in(make_staff(Role.WARD_CLERK)).get("/").content.decode()
    assert "保険料率表" not in signed_in(make_staff(Role.OPERATOR)).get("/").content.decode()


# --- the screens show the table ---------------------------------------------------------------------


def test_list_and_detail_of_the_seeded_national_standard(make_staff):
    client = signed_in(make_staff(Role.WARD_CLERK))
    page = client.get(LIST).content.decode()
    assert "令和7年度（2025年度）～令和8年度（2026年度）" in page and SEEDED_FY2025 in page and "承認済" in page
    assert "新しい年度の保険料率表（案）を作成する" not in page  # a ward clerk only views
    page = client.get(f"{LIST}{seeded().pk}/").content.decode()
    # the national standard of FY2025-2026 (施行令 第38条 as amended for 第9期) on the assumed 基準額
    # 78,000円: stage 1 rate 0.455, 0.285 after the public reduction -> 22,230円; stage 5 (1.0) 78,000円;
    # the first band up to 80.9万円 (以下), the taxed top band from 720万円 (以上)
    assert "22,230円" in page and "35,490円" in page and "78,000円" in page
    assert "80.9万円以下" in page and "720万円以上" in page
    assert "承認済みの表は変更できません" in page and "この案を変更する" not in page
    assert "徴収計画（仮定値）" in page and "7月、8月" in page


# --- edit a draft --------------------------------------------------------------------------------


def test_clerk_drafts_from_the_screen_edits_with_full_width_digits_and_the_trail_shows_it(clerk):
    client = signed_in(clerk)
    response = client.post(f"{LIST}new/", {"source": seeded().pk, "name": "第10期（案）", "valid_from": "２０２７",
                                           "valid_to": "2029"})
    draft = PremiumRateTable.objects.get(name="第10期（案）")
    assert response.status_code == 302 and response["Location"] == f"{LIST}{draft.pk}/edit/"
    assert (draft.valid_from, draft.valid_to, draft.status, draft.created_by) == (2027, 2029, "draft", clerk)
    response = client.post(f"{LIST}{draft.pk}/edit/", form_data(
        draft, base_amount="８０，０００円", stages={13: {"multiplier": "２．５"}, 1: {"reduced_multiplier": "０．２８"}}))
    assert response.status_code == 302, response.content.decode()
    draft.refresh_from_db()
    assert draft.base_amount == 80_000
    assert PremiumStage.objects.get(table=draft, number=13).multiplier == Decimal("2.5")
    assert PremiumStage.objects.get(table=draft, number=1).reduced_multiplier == Decimal("0.28")
    # only what changed is written: the table and two stages, after the draft's 1 + 13 inserts
    assert trail_count(draft) == 1 + 13 + 1 + 2
    page = client.get(f"{LIST}{draft.pk}/").content.decode()
    assert "第13段階の変更" in page and clerk.display_name in page and "作成中" in page
    # the trail on the page: one 作成 row for the draft (its 13 stages with it), one 変更 row for the
    # table's settings, one for each changed stage
    history = page.split('id="history"')[1]
    assert (history.count("<td>作成</td>"), history.count("<td>変更</td>"), history.count("段階の追加")) == (1, 3, 0)
    assert "22,400円" in page  # 80,000 × 0.28 (stage 1 after the reduction), 1円未満切捨て


def test_a_stage_removed_and_one_added_in_the_same_save(clerk):
    draft = draft_of(clerk)
    data = form_data(draft, stages={13: {"DELETE": "on", "multiplier": "bad"}},
                     extra={"number": "13", "group": "self_taxed", "income_upper": "", "upper_inclusive": "false",
                            "multiplier": "2.6", "label": "第13段階（改）"})
    assert signed_in(clerk).post(f"{LIST}{draft.pk}/edit/", data).status_code == 302
    assert list(draft.stages.filter(number=13).values_list("multiplier", "label")) == [(Decimal("2.6"), "第13段階（改）")]
    assert draft.stages.count() == 13


def test_a_blank_last_row_adds_nothing(clerk):
    draft = draft_of(clerk)
    before = trail_count(draft)
    assert signed_in(clerk).post(f"{LIST}{draft.pk}/edit/", form_data(draft)).status_code == 302
    assert draft.stages.count() == 13 and trail_count(draft) == before


INVALID = [
    # settings or stage values, the field's message (Japanese, naming the field, never the value)
    pytest.param({"base_amount": "abc"}, None, "基準額（年額）は数字（円）で入力してください。", id="amount-letters"),
    pytest.param({"base_amount": "0"}, None, "基準額（年額）は1円以上で入力してください。", id="amount-zero"),
    pytest.param({"base_amount": "٧٨٠٠٠"}, None, "数字は半角または全角の0〜9で入力してください", id="arabic-indic"),
    pytest.param({"base_amount": ""}, None, "基準額（年額）を入力してください。", id="amount-blank"),
    pytest.param({"valid_from": "27"}, None, "適用開始年度は2000年度以上で入力してください。", id="year-short"),
    pytest.param({"valid_to": "2026"}, None, "適用終了年度は適用開始年度以降にしてください。", id="years-reversed"),
    pytest.param({"annual_rounding_mode": "sideways"}, None, "選択肢から選んでください。", id="mode"),
    pytest.param({"name": ""}, None, "名称を入力してください。", id="name"),
    pytest.param({}, {5: {"multiplier": "-1"}}, "保険料率は0.0001以上で入力してください。", id="rate-negative"),
    pytest.param({}, {5: {"multiplier": "0.12345"}}, "保険料率は小数点以下4桁までで入力してください。", id="rate-places"),
    pytest.param({}, {5: {"multiplier": "1割"}}, "保険料率は小数（例: 0.455）で入力してください。", id="rate-text"),
    pytest.param({}, {1: {"reduced_multiplier": "0.5"}}, "軽減後の保険料率は保険料率以下にしてください。",
                 id="reduced-above-rate"),
    pytest.param({}, {4: {"income_upper": "-1"}}, "所得の上限（空欄は上限なし）は0円以上で入力してください。",
                 id="upper-negative"),
    pytest.param({}, {4: {"group": ""}}, "区分を選んでください。", id="group-blank"),
    pytest.param({}, {4: {"number": "3"}}, "第3段階が2回入力されています。", id="number-twice"),
]


@pytest.mark.parametrize(("changes", "stages", "message"), INVALID)
def test_invalid_values_are_refused_per_field_and_nothing_is_saved(clerk, changes, stages, message):
    draft = draft_of(clerk)
    before = trail_count(draft)
    response = signed_in(clerk).post(f"{LIST}{draft.pk}/edit/", form_data(draft, stages=stages, **changes))
    page = response.content.decode()
    assert response.status_code == 400 and message in page
    assert 'class="error-summary"' in page and "保存していません" in page
    assert trail_count(draft) == before  # nothing written, not even the valid fields


def test_every_stage_deleted_is_refused_and_nothing_half_written(clerk):
    """A valid new 基準額 with every stage deleted: refused as a whole, the 基準額 not saved either."""
    draft = draft_of(clerk)
    before = trail_count(draft)
    data = form_data(draft, base_amount="90000", stages={n: {"DELETE": "on"} for n in range(1, 14)})
    response = signed_in(clerk).post(f"{LIST}{draft.pk}/edit/", data)
    assert response.status_code == 400 and "段階を1つ以上入力してください。" in response.content.decode()
    draft.refresh_from_db()
    assert draft.base_amount == seeded().base_amount and trail_count(draft) == before


def test_edit_service_is_one_transaction(clerk):
    draft = draft_of(clerk)
    stages = {s.number: StageValues(s.group, s.income_upper, s.upper_inclusive, s.multiplier, s.reduced_multiplier,
                                    s.label) for s in draft.stages.all()}
    stages[7] = StageValues("no_such_group", None, True, Decimal(1))
    with pytest.raises(Exception) as refused:
        rate_table_edit(actor=clerk, table_id=draft.pk, changes={"base_amount": 99_000}, stages=stages)
    assert "第7段階の区分が不正です。" in str(refused.value)
    draft.refresh_from_db()
    assert draft.base_amount == seeded().base_amount


# --- approval: four eyes, then read-only -----------------------------------------------------------


def test_a_chief_who_drafted_cannot_approve_another_chief_can(make_staff):
    author, other = make_staff(Role.SECTION_CHIEF), make_staff(Role.SECTION_CHIEF)
    draft = draft_of(author)
    client = signed_in(author)
    page = client.get(f"{LIST}{draft.pk}/").content.decode()
    assert "承認する" not in page and "この案を作成・変更した職員は承認できません" in page
    response = client.post(f"{LIST}{draft.pk}/approve/", {"confirm": "on"})
    draft.refresh_from_db()
    assert response.status_code == 403 and draft.status == RateTableStatus.DRAFT
    assert "自分で作成・変更した保険料率表は承認できません。" in response.content.decode()
    response = signed_in(other).post(f"{LIST}{draft.pk}/approve/", {"confirm": "on"})
    draft.refresh_from_db()
    assert response.status_code == 302 and (draft.status, draft.approved_by) == (RateTableStatus.APPROVED, other)


def test_a_chief_who_only_changed_a_stage_cannot_approve(clerk, chief, make_staff):
    draft = draft_of(clerk)
    rate_table_update_stage(actor=chief, table_id=draft.pk, number=13, multiplier=Decimal("2.5"))
    with pytest.raises(NotPermitted):
        rate_table_approve(actor=chief, table_id=draft.pk)
    rate_table_approve(actor=make_staff(Role.SECTION_CHIEF), table_id=draft.pk)


def test_approval_asks_for_confirmation(clerk, chief):
    draft = draft_of(clerk)
    client = signed_in(chief)
    assert "承認する" in client.get(f"{LIST}{draft.pk}/").content.decode()
    response = client.post(f"{LIST}{draft.pk}/approve/", {})
    draft.refresh_from_db()
    assert response.status_code == 400 and draft.status == RateTableStatus.DRAFT
    assert "承認する前に、確認の欄にチェックを入れてください。" in response.content.decode()


def test_the_rules_refusal_at_approval_is_shown(clerk, chief):
    draft = draft_of(clerk)
    PremiumStage.objects.filter(table=draft, number=7).delete()
    response = signed_in(chief).post(f"{LIST}{draft.pk}/approve/", {"confirm": "on"})
    assert response.status_code == 400 and "第7段階がありません" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == RateTableStatus.DRAFT


def test_an_approved_table_is_read_only(clerk, chief):
    draft = draft_of(clerk)
    rate_table_approve(actor=chief, table_id=draft.pk)
    before = trail_count(draft)
    client = signed_in(clerk)
    assert "この案を変更する" not in client.get(f"{LIST}{draft.pk}/").content.decode()
    response = client.get(f"{LIST}{draft.pk}/edit/")
    assert response.status_code == 302 and response["Location"] == f"{LIST}{draft.pk}/"
    response = client.post(f"{LIST}{draft.pk}/edit/", form_data(draft, base_amount="99000"), follow=True)
    assert "承認済みのため変更できません" in response.content.decode()
    with pytest.raises(InvalidState):
        rate_table_edit(actor=clerk, table_id=draft.pk, changes={"base_amount": 99_000}, stages={})
    draft.refresh_from_db()
    assert draft.base_amount == seeded().base_amount and trail_count(draft) == before


def test_a_get_writes_nothing(clerk, chief):
    draft = draft_of(clerk)
    before = trail_count(draft)
    for client in (signed_in(clerk), signed_in(chief)):
        for path in (LIST, f"{LIST}{draft.pk}/", f"{LIST}{draft.pk}/edit/", f"{LIST}new/"):
            client.get(path)
    assert trail_count(draft) == before and PremiumRateTable.objects.count() == 3
