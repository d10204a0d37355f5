"""Filters and table rows of the premium screens. ``yen`` formats an amount with thousands
separators in plain Python (humanize's intcomma localises each number: on the premium tab's few
hundred amounts it was most of the rendering time)."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString

from kaigo.shell.html import escape_text as escape

register = template.Library()


@register.filter(is_safe=True)
def yen(value) -> str:
    """12345 -> "12,345" (amounts are int yen; anything else is shown as is)."""
    return f"{value:,}" if isinstance(value, int) else ("" if value is None else str(value))


@register.filter(is_safe=True)
def ymd(value) -> str:
    """A date as 2026-07-31 ("" for none), without the date filter's format machinery."""
    return value.isoformat() if value is not None else ""


# --- the premium tab's tables, joined in Python (premiums/tab.html) -----------------------------
# A person with ten years of history shows a hundred-odd cells in these tables; through the
# template engine (a look-up, a filter and an escape per cell) they were most of the page's
# rendering time. As for the person screens' tables (eligibility/templatetags/person_screens.py),
# every text is escaped here; the rows come from premiums.tab_selectors.


def _yen(value: int) -> str:
    return f"{value:,}"


@register.simple_tag
def year_rows(years, shown) -> SafeString:
    """The <tr> of the table of years: one per fiscal year, the shown one in bold, the others links."""
    html = []
    for y in years:
        year = (f"<strong>{y.fiscal_year}年度</strong>" if y.fiscal_year == shown
                else f'<a href="?year={y.fiscal_year}">{y.fiscal_year}年度</a>')
        b = y.balance
        rest = (f"残 {_yen(b.balance)}円" if b.balance > 0 else f"過納 {_yen(b.overpaid)}円" if b.balance < 0 else "完納")
        html.append(f'<tr><td>{year}</td><td>第{y.stage}段階</td><td class="num">{_yen(y.amount)}円</td>'
                    f'<td>{escape(y.method)}</td><td class="num">{_yen(b.paid)}円</td><td class="num">{rest}</td>'
                    f"<td>{y.revision}</td></tr>")
    return SafeString("".join(html))


def _open_cell(r, today) -> str:
    if r.open:
        if r.awaiting_final:
            return f"{_yen(r.open)}円（コンビニ速報あり・確報待ち）"
        if r.due_date and r.due_date < today:
            return f"<strong>{_yen(r.open)}円（滞納）</strong>"
        return f"{_yen(r.open)}円"
    if r.written_off:
        return f"時効により欠損 {_yen(r.written_off)}円"
    if r.over:
        return f"過納 {_yen(r.over)}円"
    return "—"


@register.simple_tag
def schedule_rows(rows, today) -> SafeString:
    """The <tr> of a year's installments (納期と収納): due, paid and what is open, overdue or over."""
    if not rows:
        return SafeString('    <tr><td colspan="6">納期はありません。</td></tr>\n')
    return SafeString("".join(
        f'    <tr><td>{escape(r.label)}</td><td>{"特別徴収" if r.method == "pension" else "普通徴収"}</td>'
        f'<td>{ymd(r.due_date) or "—"}{f"（徴収猶予。当初の納期限 {ymd(r.deferred_from)}）" if r.deferred_from else ""}</td>'
        f'<td class="num">{_yen(r.due)}円</td><td class="num">{_yen(r.paid)}円</td><td class="num">{_open_cell(r, today)}</td></tr>\n'
        for r in rows))


@register.simple_tag
def payment_rows(payments) -> SafeString:
    """The <tr> of a year's payments (収納の記録)."""
    return SafeString("".join(
        f"<tr><td>{ymd(p.paid_on)}</td><td>{ymd(p.booked_on)}</td><td>{escape(p.channel)}</td>"
        f'<td>{escape(p.installment)}</td><td class="num">{_yen(p.amount)}円</td></tr>'
        for p in payments))


@register.simple_tag
def revision_rows(revisions) -> SafeString:
    """The <tr> of a year's levy revisions (賦課の履歴), recorded times in the office's time zone."""
    return SafeString("".join(
        f"<tr><td>{r.revision}</td><td>{escape(r.source)}</td><td>{escape(r.cause) or '—'}</td>"
        f"<td>{timezone.localtime(r.recorded_from).strftime('%Y-%m-%d %H:%M')}</td><td>第{r.stage}段階</td>"
        f'<td class="num">{_yen(r.amount)}円</td><td>{escape(r.method)}</td></tr>'
        for r in revisions))


@register.simple_tag
def notice_rows(notices) -> SafeString:
    """The <tr> of the notices sent for a year (送付した通知)."""
    if not notices:
        return SafeString('<tr><td colspan="4">通知の記録はありません。</td></tr>')
    return SafeString("".join(
        f"<tr><td>{escape(n.kind)}</td><td>{ymd(n.issued_on)}</td><td>{n.revision or '—'}</td>"
        f"<td>{'再発行' if n.reprint else '—'}</td></tr>"
        for n in notices))
