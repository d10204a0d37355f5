"""The premium tab's table rows joined in Python (premiums/templatetags/premium_screens.py): the
cell of each installment's state, empty tables, escaping and the office's time zone."""

from __future__ import annotations

from datetime import date, datetime, timezone as dt_timezone

import pytest

from premiums.rules.balance import InstallmentBalance
from premiums.tab_selectors import NoticeRow, PaymentRow, RevisionRow
from premiums.templatetags.premium_screens import notice_rows, payment_rows, revision_rows, schedule_rows

TODAY = date(2026, 11, 27)


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
                 "2027-01-31（徴収猶予。当初の納期限 2026-07-31）", id="deferred"),
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
    assert "<td>2026-07-01</td><td></td>" in html and "1,234,567円" in html


def test_revisions_show_their_time_in_the_offices_zone_and_a_dash_without_cause():
    html = revision_rows([RevisionRow(2, "更正", "", datetime(2026, 7, 10, 15, 30, tzinfo=dt_timezone.utc), 6, 80_000,
                                      "特別徴収")])
    assert "<td>2026-07-11 00:30</td>" in html  # Asia/Tokyo
    assert "<td>—</td>" in html and "第6段階" in html and "80,000円" in html


def test_notices_without_a_revision_show_a_dash():
    html = notice_rows([NoticeRow("督促状", date(2026, 8, 20), True, None)])
    assert "<td>督促状</td><td>2026-08-20</td><td>—</td><td>再発行</td>" in html
