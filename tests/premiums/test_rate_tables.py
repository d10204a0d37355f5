"""Rate tables by fiscal year stored in the database (premiums/rates/models.py, premiums/rates/services.py):
the seeded national standard, rate_table_for, drafts, approval and its refusals. Real PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from kaigo.errors import InvalidState, NotPermitted
from kaigo.staff.roles import Role
from premiums.models import (
    PremiumCollectionPlan,
    PremiumRateTable,
    PremiumStage,
    RateTableStatus,
)
from premiums.rates.selectors import approved_rate_tables, collection_plan_for, rate_table_for, to_rule_plan
from premiums.rates.services import (
    StageValues,
    collection_plan_approve,
    collection_plan_close,
    collection_plan_draft,
    collection_plan_update,
    rate_table_approve,
    rate_table_close,
    rate_table_draft,
    rate_table_remove_stage,
    rate_table_set_stage,
    rate_table_update,
    rate_table_update_stage,
)
from premiums.rules import (
    ASSUMED_COLLECTION_PLAN,
    NATIONAL_STANDARD_FY2024,
    NATIONAL_STANDARD_FY2025_2026,
    RateTableError,
    StageInputs,
    annual_amount,
    stage_of,
)

pytestmark = pytest.mark.django_db

SEEDED_FY2025 = "第9期 国の標準段階（令和7・8年度）"


@pytest.fixture
def clerk(make_staff):
    return make_staff(Role.HEAD_OFFICE_CLERK)


@pytest.fixture
def chief(make_staff):
    return make_staff(Role.SECTION_CHIEF)


def _seeded(name=SEEDED_FY2025) -> PremiumRateTable:
    return PremiumRateTable.objects.get(name=name, created_by__isnull=True)


def _draft_fy2027(clerk) -> PremiumRateTable:
    return rate_table_draft(actor=clerk, valid_from=2027, valid_to=2029, name="第10期 保険料率表（案）",
                            from_table_id=_seeded().pk)


# --- the seeded national standard ---------------------------------------------------------------


def test_seeded_tables_equal_the_national_standard():
    assert approved_rate_tables() == [NATIONAL_STANDARD_FY2024, NATIONAL_STANDARD_FY2025_2026]
    assert PremiumRateTable.objects.filter(created_by__isnull=True, status=RateTableStatus.APPROVED).count() == 2


@pytest.mark.parametrize(
    ("fiscal_year", "expected"),
    [
        (2024, NATIONAL_STANDARD_FY2024),
        (2025, NATIONAL_STANDARD_FY2025_2026),
        (2026, NATIONAL_STANDARD_FY2025_2026),
    ],
)
def test_rate_table_for_a_covered_year(fiscal_year, expected):
    assert rate_table_for(fiscal_year) == expected


@pytest.mark.parametrize("fiscal_year", [2023, 2027, 2030])
def test_rate_table_for_a_missing_year(fiscal_year):
    with pytest.raises(RateTableError) as err:
        rate_table_for(fiscal_year)
    assert err.value.code == "premium_rate_table_missing"
    assert err.value.message == f"{fiscal_year}年度に適用する保険料率表がありません。"


def test_a_draft_is_not_used():
    table = PremiumRateTable.objects.create(name="案", valid_from=2027, valid_to=2027, base_amount=1)
    assert table.status == RateTableStatus.DRAFT
    with pytest.raises(RateTableError):
        rate_table_for(2027)


# --- the FY2027 round trip ----------------------------------------------------------------------


def test_draft_for_fy2027_copied_edited_approved_then_used(clerk, chief):
    draft = _draft_fy2027(clerk)
    assert draft.status == RateTableStatus.DRAFT and draft.created_by == clerk
    assert draft.stages.count() == 13
    rate_table_update(actor=clerk, table_id=draft.pk, base_amount=81_600)
    rate_table_update_stage(actor=clerk, table_id=draft.pk, number=13, multiplier=Decimal("2.5"))
    rate_table_update_stage(actor=clerk, table_id=draft.pk, number=1, income_upper=820_000)
    rate_table_update_stage(actor=clerk, table_id=draft.pk, number=4, income_upper=820_000)

    rule = rate_table_approve(actor=chief, table_id=draft.pk)

    draft.refresh_from_db()
    assert (draft.status, draft.approved_by) == (RateTableStatus.APPROVED, chief)
    assert rate_table_for(2027) == rule == rate_table_for(2029)
    assert rule.base_amount == 81_600
    assert annual_amount(13, rule).annual == 204_000  # 81,600 × 2.5
    assert annual_amount(5, rule).annual == 81_600
    low = StageInputs(self_taxed=False, household_taxed=False, total_income=0, taxable_pension_income=820_000)
    assert stage_of(low, rule).stage == 1
    # the seeded years are unchanged
    assert rate_table_for(2026) == NATIONAL_STANDARD_FY2025_2026


def test_draft_from_a_pure_table(clerk, chief):
    draft = rate_table_draft(actor=clerk, valid_from=2027, valid_to=None, name="独自段階",
                             data=NATIONAL_STANDARD_FY2025_2026.with_changes(base_amount=80_400))
    rate_table_approve(actor=chief, table_id=draft.pk)
    assert rate_table_for(2040) == NATIONAL_STANDARD_FY2025_2026.with_changes(
        name="独自段階", valid_from=2027, valid_to=None, base_amount=80_400)


def test_an_approved_table_is_not_edited(clerk):
    with pytest.raises(InvalidState):
        rate_table_update_stage(actor=clerk, table_id=_seeded().pk, number=13, multiplier=Decimal(3))
    with pytest.raises(InvalidState):
        rate_table_update(actor=clerk, table_id=_seeded().pk, base_amount=1)


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "overlapping"),
    [
        (2026, 2027, 2026),
        (2024, 2024, 2024),
        (2020, None, 2024),
        (2023, 2024, 2024),
    ],
)
def test_overlap_refused_by_the_service(clerk, chief, valid_from, valid_to, overlapping):
    draft = rate_table_draft(actor=clerk, valid_from=valid_from, valid_to=valid_to, name="重複する表",
                             from_table_id=_seeded().pk)
    with pytest.raises(RateTableError) as err:
        rate_table_approve(actor=chief, table_id=draft.pk)
    assert err.value.code == "premium_rate_table_overlap"
    assert f"（{overlapping}年度）" in err.value.message
    draft.refresh_from_db()
    assert draft.status == RateTableStatus.DRAFT


@pytest.mark.parametrize(
    ("valid_from", "valid_to"),
    [(2026, 2027), (2024, 2024), (2020, None), (2023, 2024), (2025, 2025)],
)
def test_overlap_refused_by_the_database(valid_from, valid_to):
    with pytest.raises(IntegrityError, match="premiumratetable_no_overlap"), transaction.atomic():
        PremiumRateTable.objects.create(name="重複", valid_from=valid_from, valid_to=valid_to, base_amount=78_000,
                                        status=RateTableStatus.APPROVED, approved_at=timezone.now())


@pytest.mark.parametrize(("valid_from", "valid_to"), [(2027, 2027), (2022, 2023), (2027, None)])
def test_adjacent_years_are_accepted_by_the_database(valid_from, valid_to):
    PremiumRateTable.objects.create(name="隣接", valid_from=valid_from, valid_to=valid_to, base_amount=78_000,
                                    status=RateTableStatus.APPROVED, approved_at=timezone.now())


@pytest.mark.parametrize(
    "role",
    [Role.HEAD_OFFICE_CLERK, Role.WARD_CLERK, Role.AUDITOR, Role.OPERATOR, Role.INQUIRY, None],
)
def test_approve_by_a_non_chief_refused(clerk, make_staff, role):
    draft = _draft_fy2027(clerk)
    actor = make_staff(role) if role else make_staff()
    with pytest.raises(NotPermitted):
        rate_table_approve(actor=actor, table_id=draft.pk)
    draft.refresh_from_db()
    assert draft.status == RateTableStatus.DRAFT


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.HEAD_OFFICE_CLERK, True), (Role.SECTION_CHIEF, True), (Role.WARD_CLERK, False),
     (Role.OPERATOR, False), (Role.AUDITOR, False)],
)
def test_who_may_draft(make_staff, role, allowed):
    actor = make_staff(role)
    if allowed:
        assert _draft_fy2027(actor).created_by == actor
    else:
        with pytest.raises(NotPermitted):
            _draft_fy2027(actor)


@pytest.mark.parametrize(("removed", "gap_text"), [([7], "第7段階"), ([2, 3], "第2段階、第3段階"), ([1], "第1段階")])
def test_stage_gaps_refused(clerk, chief, removed, gap_text):
    draft = _draft_fy2027(clerk)
    for number in removed:
        rate_table_remove_stage(actor=clerk, table_id=draft.pk, number=number)
    with pytest.raises(RateTableError) as err:
        rate_table_approve(actor=chief, table_id=draft.pk)
    assert err.value.code == "premium_rate_table_stage_gap"
    assert gap_text in err.value.message


@pytest.mark.parametrize(
    ("number", "changes", "message_part"),
    [
        # the rules' own validation refuses these at approval
        (7, {"income_upper": 1_000_000}, "昇順"),
        (5, {"income_upper": 2_000_000}, "最後の段階だけ上限なし"),
        (13, {"group": "self_exempt"}, "最後の段階だけ上限なし"),
    ],
)
def test_malformed_draft_refused_at_approval(clerk, chief, number, changes, message_part):
    draft = _draft_fy2027(clerk)
    rate_table_update_stage(actor=clerk, table_id=draft.pk, number=number, **changes)
    with pytest.raises(RateTableError, match=message_part):
        rate_table_approve(actor=chief, table_id=draft.pk)


@pytest.mark.parametrize(
    ("changes", "message_part"),
    [
        ({"multiplier": Decimal(0)}, "正の値"),
        ({"reduced_multiplier": Decimal("0.5")}, "軽減後"),  # stage 1: 0.5 > 0.455
        ({"income_upper": -1}, "上限"),
        ({"group": "unknown"}, "区分"),
    ],
)
def test_bad_stage_values_refused_on_edit(clerk, changes, message_part):
    draft = _draft_fy2027(clerk)
    with pytest.raises(RateTableError, match=message_part):
        rate_table_update_stage(actor=clerk, table_id=draft.pk, number=1, **changes)


def test_multiplier_checked_by_the_database():
    table = PremiumRateTable.objects.create(name="案", valid_from=2030, valid_to=2030, base_amount=1)
    with pytest.raises(IntegrityError, match="premiumstage_multiplier_positive"), transaction.atomic():
        PremiumStage.objects.create(table=table, number=1, group="self_taxed", upper_inclusive=False,
                                    multiplier=Decimal(0))


def test_a_stage_added_to_a_draft(clerk, chief):
    draft = _draft_fy2027(clerk)
    rate_table_update_stage(actor=clerk, table_id=draft.pk, number=13, income_upper=8_200_000)
    rate_table_set_stage(actor=clerk, table_id=draft.pk, number=14, values=StageValues(group="self_taxed", income_upper=None,
                                                          upper_inclusive=False, multiplier=Decimal("2.6")))
    rule = rate_table_approve(actor=chief, table_id=draft.pk)
    assert len(rule.stages) == 14 and rule.stage(14).label == "第14段階"
    rich = StageInputs(self_taxed=True, household_taxed=True, total_income=9_000_000, taxable_pension_income=0)
    assert stage_of(rich, rule).stage == 14


@pytest.mark.parametrize(("valid_from", "valid_to", "name"), [(2028, 2027, "案"), (2027, 2027, " ")])
def test_bad_draft_refused(clerk, valid_from, valid_to, name):
    with pytest.raises(RateTableError):
        rate_table_draft(actor=clerk, valid_from=valid_from, valid_to=valid_to, name=name, from_table_id=_seeded().pk)


# --- closing an open-ended table ----------------------------------------------------------------


def test_an_open_table_closed_then_followed(clerk, chief):
    open_table = rate_table_draft(actor=clerk, valid_from=2027, valid_to=None, name="独自段階",
                                  data=NATIONAL_STANDARD_FY2025_2026)
    rate_table_approve(actor=chief, table_id=open_table.pk)
    follower = rate_table_draft(actor=clerk, valid_from=2030, valid_to=None, name="第11期", from_table_id=open_table.pk)
    with pytest.raises(RateTableError, match="（2030年度）"):
        rate_table_approve(actor=chief, table_id=follower.pk)
    with pytest.raises(NotPermitted):
        rate_table_close(actor=clerk, table_id=open_table.pk, last_year=2029)
    with pytest.raises(RateTableError):
        rate_table_close(actor=chief, table_id=open_table.pk, last_year=2026)
    rate_table_close(actor=chief, table_id=open_table.pk, last_year=2029)
    rate_table_approve(actor=chief, table_id=follower.pk)
    assert (rate_table_for(2029).name, rate_table_for(2030).name) == ("独自段階", "第11期")


def test_a_closed_table_is_not_closed_again(chief):
    with pytest.raises(InvalidState):
        rate_table_close(actor=chief, table_id=_seeded().pk, last_year=2027)


# --- collection plans ---------------------------------------------------------------------------


@pytest.mark.parametrize("fiscal_year", [2024, 2025, 2026, 2035])
def test_seeded_collection_plan_equals_the_assumed_plan(fiscal_year):
    assert collection_plan_for(fiscal_year) == ASSUMED_COLLECTION_PLAN


def test_collection_plan_for_a_missing_year():
    with pytest.raises(RateTableError) as err:
        collection_plan_for(2023)
    assert (err.value.code, err.value.message) == ("premium_rate_table_missing", "2023年度に適用する徴収計画がありません。")


def test_collection_plan_for_fy2027_drafted_and_approved(clerk, chief):
    seeded = PremiumCollectionPlan.objects.get(created_by__isnull=True)
    draft = collection_plan_draft(actor=clerk, valid_from=2027, valid_to=None, name="徴収計画（令和9年度から）",
                                  from_plan_id=seeded.pk)
    collection_plan_update(actor=clerk, plan_id=draft.pk, billing_due_months=[6, 7, 8, 9, 10, 11, 12, 1, 2, 3],
                           billing_due_day_overrides=[])
    with pytest.raises(RateTableError, match="重なって"):
        collection_plan_approve(actor=chief, plan_id=draft.pk)
    collection_plan_close(actor=chief, plan_id=seeded.pk, last_year=2026)
    with pytest.raises(NotPermitted):
        collection_plan_approve(actor=clerk, plan_id=draft.pk)
    rule = collection_plan_approve(actor=chief, plan_id=draft.pk)
    assert collection_plan_for(2027) == rule
    assert rule.billing.due_months[0] == 6 and rule.billing.due_day_overrides == ()
    assert collection_plan_for(2026) == replace(ASSUMED_COLLECTION_PLAN, valid_to=2026)


@pytest.mark.parametrize(
    ("changes", "message_part"),
    [
        ({"billing_due_months": [3, 4]}, "第1期は4月以降"),
        ({"billing_due_months": []}, "納期の月が不正"),
        ({"pension_payment_day": 30}, "年金支払日"),
        ({"pension_excluded_kinds": ["unknown"]}, "年金の種類"),
        ({"billing_due_day_overrides": [[13, 1]]}, "納期限の日"),
    ],
)
def test_bad_collection_plan_refused_on_edit(clerk, changes, message_part):
    seeded = PremiumCollectionPlan.objects.get(created_by__isnull=True)
    draft = collection_plan_draft(actor=clerk, valid_from=2027, valid_to=None, name="案", data=to_rule_plan(seeded))
    with pytest.raises(RateTableError, match=message_part):
        collection_plan_update(actor=clerk, plan_id=draft.pk, **changes)


def test_every_write_is_in_the_change_trail_with_who_and_what(clerk, chief):
    from premiums.trail import PremiumRateTableEvent, PremiumStageEvent

    draft = _draft_fy2027(clerk)
    rate_table_update_stage(actor=clerk, table_id=draft.pk, number=13, multiplier=Decimal("2.5"))
    rate_table_approve(actor=chief, table_id=draft.pk)

    table_events = list(PremiumRateTableEvent.objects.filter(pgh_obj_id=draft.pk).order_by("pgh_id"))
    assert [e.pgh_label for e in table_events][0] == "insert"
    assert table_events[-1].status == RateTableStatus.APPROVED
    assert table_events[-1].pgh_context["function"] == "premium.table.approve"
    assert table_events[-1].pgh_context["staff_id"] == chief.pk
    stage_update = PremiumStageEvent.objects.filter(table_id=draft.pk, number=13, pgh_label="update").get()
    assert stage_update.multiplier == Decimal("2.5")
    assert (stage_update.pgh_context["function"], stage_update.pgh_context["staff_id"]) == (
        "premium.table.update.stage", clerk.pk)
