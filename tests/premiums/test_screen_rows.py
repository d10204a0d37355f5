"""The premium tab's tables and shown year (the macros of premiums/jinja2/premiums/_tab.html): the
cell of each installment's state, empty tables, escaping, the office's time zone, print links."""

from __future__ import annotations

from datetime import date, datetime
from datetime import timezone as dt_timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template import engines

from premiums.rules.balance import InstallmentBalance, YearBalance
from premiums.tab.selectors import NoticeRow, PaymentRow, ReductionRow, RevisionRow

TODAY = date(2026, 11, 27)


def _macro(name: str):
    """A macro of the premium tab's template, called as a function (its HTML as a str)."""
    def call(*args) -> str:
        return str(getattr(engines["jinja2"].env.get_template("premiums/_tab.html").module, name)(*args))
    return call


schedule_rows, payment_rows, revision_rows, notice_rows, year_detail = (
    _macro(name) for name in ("schedule_rows", "payment_rows", "revision_rows", "notice_rows", "year_detail"))


def _row(**kw) -> InstallmentBalance:
    base = dict(method="billing", month=date(2026, 7, 1), label="第1期", due_date=date(2026, 7, 31), due=10_000, paid=0)
    return InstallmentBalance(**{**base, **kw})


@pytest.mark.parametrize("row,cell", [
    pytest.param(_row(), "<strong>10,000円（滞納）</strong>", id="open-after-due-date"),
    pytest.param(_row(due_date=date(2026, 12, 31)), ">10,000円</td>", id="open-before-due-date"),
    pytest.param(_row(awaiting_final=True), "10,000円（コンビニ速報あり・確報待ち）", id="awaiting-store-final"),
    pytest.param(_row(paid=4_000), "<strong>6,000円（滞納）</strong>", id="part-paid"),
    pytest.param(_row(written_off=10_000), "時効により欠損 10,000円", id="prescribed"),
    pytest.param(_row(paid=12_500), "過納 2,500円", id="overpaid"),
    pytest.param(_row(paid=10_000), ">—</td></tr>", id="paid"),
    pytest.param(_row(method="pension", due_date=None), "<td>特別徴収</td><td>—</td>", id="pension-without-date"),
    pytest.param(_row(due_date=date(2027, 1, 31), deferred_from=date(2026, 7, 31)),
                 "令和9（2027）年1月31日（徴収猶予。当初の納期限 令和8（2026）年7月31日）", id="deferred"),
])
def test_each_installment_state_has_its_cell(row, cell):
    assert cell in schedule_rows([row], TODAY)


def test_empty_tables_say_so():
    assert "納期はありません。" in schedule_rows([], TODAY)
    assert "通知の記録はありません。" in notice_rows([])
    assert payment_rows([]) == "" and revision_rows([]) == ""


def test_texts_are_escaped():
    html = payment_rows([PaymentRow(date(2026, 7, 1), None, "<b>窓口</b>", "第1期&", 1_234_567)])
    assert "&lt;b&gt;窓口&lt;/b&gt;" in html and "第1期&amp;" in html and "<b>" not in html
    assert "<td>令和8（2026）年7月1日</td><td></td>" in html and "1,234,567円" in html


def test_revisions_show_their_time_in_the_offices_zone_and_a_dash_without_cause():
    html = revision_rows([RevisionRow(2, "更正", "", datetime(2026, 7, 10, 15, 30, tzinfo=dt_timezone.utc), 6, 80_000,
                                      "特別徴収")])
    assert "<td>2026-07-11 00:30</td>" in html  # Asia/Tokyo
    assert "<td>—</td>" in html and "第6段階" in html and "80,000円" in html


def test_notices_without_a_revision_show_a_dash():
    html = notice_rows([NoticeRow("督促状", date(2026, 8, 20), True, None)])
    assert "<td>督促状</td><td>令和8（2026）年8月20日</td><td>—</td><td>再発行</td>" in html


def _year(**kw):
    base = dict(fiscal_year=2026, notice_number=123, revision=1, stage=5, stage_message="本人非課税<世帯課税>",
                steps=("基準額 80,000円", "× 1.0"), months=12, annual_amount=80_000, first_month=None, amount=80_000,
                exemption=0, method="普通徴収", method_reason="年金が年18万円未満", pension_from=None,
                balance=YearBalance(rows=(_row(),), due=10_000, paid=0, settled=0), payments=[], reductions=[],
                settlements=[], revisions=[], notices=[], provisional=False, pension_stopped=False, levy_id=77)
    return SimpleNamespace(**{**base, **kw})


def _detail(year, *, can_collect=True, shown=2026) -> str:
    return year_detail(SimpleNamespace(years=[year], resident=SimpleNamespace(pk=100000001), today=TODAY), shown,
                       can_collect)


def test_the_shown_year_in_full_escapes_its_texts_and_prorates():
    html = _detail(_year(months=9, first_month=date(2026, 7, 1), pension_from=date(2026, 10, 1)))
    assert "本人非課税&lt;世帯課税&gt;" in html and "<世帯" not in html
    assert "基準額 80,000円<br>× 1.0<br>月割: 80,000円 × 9/12（令和8（2026）年7月から）" in html
    assert "、特別徴収の開始 令和8（2026）年10月" in html and "<strong>残額 10,000円</strong>" in html
    assert _detail(_year(), shown=2025) == ""  # a year not in the tab: nothing


@pytest.mark.parametrize(("year", "links"), [
    pytest.param(_year(), ["決定通知書", "納付書"], id="first-revision"),
    pytest.param(_year(revision=2, pension_from=date(2026, 10, 1), pension_stopped=True),
                 ["決定通知書", "変更通知書", "納付書", "特別徴収開始通知書", "特別徴収中止通知書"], id="corrected"),
    pytest.param(_year(provisional=True), ["仮算定通知書"], id="provisional"),
])
def test_print_links_follow_the_revision_and_only_for_staff_who_collect(year, links):
    html = _detail(year)
    shown = [label for label in ("決定通知書", "変更通知書", "納付書", "特別徴収開始通知書", "特別徴収中止通知書",
                                 "仮算定通知書") if f"<li>{label}: " in html]
    assert shown == links
    assert "/persons/100000001/premiums/" in html
    assert html.count(">見本</a>") == html.count(">交付して印刷</button>") == len(links)  # a preview, an issue
    assert "通知の印刷" not in _detail(year, can_collect=False)


def test_reductions_and_settlements_of_the_year():
    year = _year(
        reductions=[ReductionRow("災害", "承認", date(2026, 4, 1), date(2026, 9, 1), Decimal("0.5"), None, None, pk=9,
                                 notices=[("reduction_decision", "減免決定通知書")]),
                    ReductionRow("徴収猶予", "申請中", date(2026, 4, 1), date(2026, 6, 1), None, None,
                                 date(2026, 6, 30), pk=10)],
        settlements=[("還付", 2_500, datetime(2026, 8, 31, 16, 0, tzinfo=dt_timezone.utc))],
        balance=YearBalance(rows=(_row(paid=12_500),), due=10_000, paid=12_500, settled=2_500))
    html = _detail(year)
    assert "<td>令和8（2026）年4月〜令和8（2026）年9月</td><td>割合 0.5</td>" in html and "<li>減免決定通知書: " in html
    assert "<td>猶予期限 令和8（2026）年6月30日</td><td>決定後に印刷できます</td>" in html
    assert "<li>還付 2,500円（2026-09-01決定）</li>" in html  # the decision's date in the office's zone
    assert "、還付・充当 2,500円、完納" in html
    assert "通知書の印刷（PDF）" not in _detail(year, can_collect=False)
