"""Filters and table rows of the premium screens. ``yen`` formats an amount with thousands
separators in plain Python (humanize's intcomma localises each number: on the premium tab's few
hundred amounts it was most of the rendering time)."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
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


@register.simple_tag
def year_rows(years, shown) -> SafeString:
    """The <tr> of the table of years: one per fiscal year, the shown one in bold, the others links."""
    html = []
    for y in years:
        year = (f"<strong>{y.fiscal_year}年度</strong>" if y.fiscal_year == shown
                else f'<a href="?year={y.fiscal_year}">{y.fiscal_year}年度</a>')
        b = y.balance
        rest = (f"残 {yen(b.balance)}円" if b.balance > 0 else f"過納 {yen(b.overpaid)}円" if b.balance < 0 else "完納")
        html.append(f'<tr><td>{year}</td><td>第{y.stage}段階</td><td class="num">{yen(y.amount)}円</td>'
                    f'<td>{escape(y.method)}</td><td class="num">{yen(b.paid)}円</td><td class="num">{rest}</td>'
                    f"<td>{y.revision}</td></tr>")
    return SafeString("".join(html))


def _open_cell(r, today) -> str:
    if r.open:
        if r.awaiting_final:
            return f"{yen(r.open)}円（コンビニ速報あり・確報待ち）"
        if r.due_date and r.due_date < today:
            return f"<strong>{yen(r.open)}円（滞納）</strong>"
        return f"{yen(r.open)}円"
    if r.written_off:
        return f"時効により欠損 {yen(r.written_off)}円"
    if r.over:
        return f"過納 {yen(r.over)}円"
    return "—"


@register.simple_tag
def schedule_rows(rows, today) -> SafeString:
    """The <tr> of a year's installments (納期と収納): due, paid and what is open, overdue or over."""
    if not rows:
        return SafeString('    <tr><td colspan="6">納期はありません。</td></tr>\n')
    return SafeString("".join(
        f'    <tr><td>{escape(r.label)}</td><td>{"特別徴収" if r.method == "pension" else "普通徴収"}</td>'
        f'<td>{ymd(r.due_date) or "—"}{f"（徴収猶予。当初の納期限 {ymd(r.deferred_from)}）" if r.deferred_from else ""}</td>'
        f'<td class="num">{yen(r.due)}円</td><td class="num">{yen(r.paid)}円</td><td class="num">{_open_cell(r, today)}</td></tr>\n'
        for r in rows))


@register.simple_tag
def payment_rows(payments) -> SafeString:
    """The <tr> of a year's payments (収納の記録)."""
    return SafeString("".join(
        f"<tr><td>{ymd(p.paid_on)}</td><td>{ymd(p.booked_on)}</td><td>{escape(p.channel)}</td>"
        f'<td>{escape(p.installment)}</td><td class="num">{yen(p.amount)}円</td></tr>'
        for p in payments))


@register.simple_tag
def revision_rows(revisions) -> SafeString:
    """The <tr> of a year's levy revisions (賦課の履歴), recorded times in the office's time zone."""
    return SafeString("".join(
        f"<tr><td>{r.revision}</td><td>{escape(r.source)}</td><td>{escape(r.cause) or '—'}</td>"
        f"<td>{timezone.localtime(r.recorded_from).strftime('%Y-%m-%d %H:%M')}</td><td>第{r.stage}段階</td>"
        f'<td class="num">{yen(r.amount)}円</td><td>{escape(r.method)}</td></tr>'
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


def _month(value) -> str:
    """A month as 2026年4月 (the date filter's "Y年n月")."""
    return f"{value.year}年{value.month}月"


def _notice_url(resident_pk: int, levy_id: int, kind: str) -> str:
    return escape(reverse("premiums:notice", args=[resident_pk, levy_id, kind]))


def _detail_table(y) -> str:
    months = ""
    if y.months < 12:
        months = f"<br>月割: {yen(y.annual_amount)}円 × {y.months}/12"
        if y.first_month:
            months += f"（{_month(y.first_month)}から）"
    b = y.balance
    status = [f"調定額 {yen(b.due)}円、収納済 {yen(b.paid)}円"]
    if b.settled:
        status.append(f"、還付・充当 {yen(b.settled)}円")
    if b.written_off:
        status.append(f"、不納欠損 {yen(b.written_off)}円")
    status.append("、<strong>残額 " + yen(b.balance) + "円</strong>" if b.balance > 0
                  else "、<strong>過納額 " + yen(b.overpaid) + "円</strong>" if b.balance < 0 else "、完納")
    return (
        '<table class="grid">\n  <tbody>\n'
        f'    <tr><th scope="row">所得段階</th><td>第{y.stage}段階</td></tr>\n'
        f'    <tr><th scope="row">段階の理由</th><td>{escape(y.stage_message)}</td></tr>\n'
        f'    <tr><th scope="row">保険料の計算</th><td>{"<br>".join(escape(step) for step in y.steps)}{months}</td></tr>\n'
        f'    <tr><th scope="row">保険料額（年度）</th><td><strong>{yen(y.amount)}円</strong>（賦課月数 {y.months}か月'
        f'{f"、減免額 {yen(y.exemption)}円" if y.exemption else ""}）</td></tr>\n'
        f'    <tr><th scope="row">徴収方法</th><td>{escape(y.method)}（{escape(y.method_reason)}）'
        f'{f"、特別徴収の開始 {_month(y.pension_from)}" if y.pension_from else ""}</td></tr>\n'
        f'    <tr><th scope="row">収納状況</th><td>{"".join(status)}</td></tr>\n'
        "  </tbody>\n</table>\n"
    )


def _reduction_rows(y, resident_pk: int, can_collect: bool) -> str:
    html = []
    for d in y.reductions:
        if d.deferred_until:
            content = f"猶予期限 {ymd(d.deferred_until)}"
        elif d.stage:
            content = f"第{d.stage}段階を適用"
        elif d.rate:
            content = f"割合 {escape(localize(d.rate))}"
        else:
            content = "—"
        cells = (f"<tr><td>{escape(d.kind)}</td><td>{escape(d.status)}{'（取消）' if d.ended else ''}</td>"
                 f"<td>{_month(d.first_month)}〜{_month(d.last_month)}</td><td>{content}</td>")
        if can_collect:
            links = " ｜ ".join(
                f'<a href="{escape(reverse("premiums:reduction-notice", args=[resident_pk, d.pk, kind]))}">'
                f"{escape(label)}</a>" for kind, label in d.notices) or "決定後に印刷できます"
            cells += f"<td>{links}</td>"
        html.append(cells + "</tr>")
    return "".join(html)


def _print_links(y, resident_pk: int) -> str:
    if y.provisional:
        return (f"<p>通知の印刷（第{y.revision}版・仮算定）: "
                f'<a href="{_notice_url(resident_pk, y.levy_id, "provisional")}">仮算定通知書</a>'
                "（決定通知書は7月の本算定の後に印刷できます）</p>\n")
    kinds = [("decision", "決定通知書"), *([("change", "変更通知書")] if y.revision > 1 else []),
             ("payment_slip", "納付書"), *([("pension_start", "特別徴収開始通知書")] if y.pension_from else []),
             *([("pension_stop", "特別徴収中止通知書")] if y.pension_stopped else [])]
    links = " ｜ ".join(f'<a href="{_notice_url(resident_pk, y.levy_id, kind)}">{label}</a>' for kind, label in kinds)
    return f"<p>通知の印刷（第{y.revision}版）: {links}</p>\n"


def _grid(caption: str, headers: list[str], body: str) -> str:
    """A <table class="grid"> of the shown year: caption, column headers and the rows (HTML)."""
    columns = "".join(f'<th scope="col">{h}</th>' for h in headers)
    return (f'<table class="grid">\n  <caption>{caption}</caption>\n  <thead><tr>{columns}</tr></thead>\n'
            f"  <tbody>{body}</tbody>\n</table>\n")


@register.simple_tag
def year_detail(tab, shown, can_collect: bool) -> SafeString:
    """The shown fiscal year in full (premiums/tab.html): why the stage, how the amount, the
    balance, the installments, payments, reductions, settlements, revisions, the print links and
    the notices sent. Every text is escaped here; nothing for the years not shown."""
    y = next((y for y in tab.years if y.fiscal_year == shown), None)
    if y is None:
        return SafeString("")
    pk, fy = tab.resident.pk, y.fiscal_year
    html = [f'<section aria-labelledby="fy-{fy}">\n'
            f'<h2 id="fy-{fy}">{fy}年度（通知書番号 {y.notice_number}・第{y.revision}版）</h2>\n',
            _detail_table(y),
            _grid(f"納期と収納（{fy}年度）", ["期別", "徴収方法", "納期限・支払日", "金額", "収納済", "未納"],
                  f"\n{schedule_rows(y.balance.rows, tab.today)}  ")]
    if y.payments:
        html.append(_grid("収納の記録", ["納付日", "収納日", "収納方法", "期別", "金額"], payment_rows(y.payments)))
    if y.reductions:
        html.append(_grid("減免・徴収猶予の申請と決定",
                          ["事由", "状態", "対象の月", "内容", *(["通知書の印刷（PDF）"] if can_collect else [])],
                          _reduction_rows(y, pk, can_collect)))
    if y.settlements:
        html.append("<ul>" + "".join(
            f"<li>{escape(kind)} {yen(amount)}円（{timezone.localdate(at).isoformat()}決定）</li>"
            for kind, amount, at in y.settlements) + "</ul>\n")
    html.append(_grid("賦課の履歴（更正を含むすべての版）", ["版", "種類", "理由", "記録日時", "段階", "保険料額", "徴収方法"],
                      revision_rows(y.revisions)))
    if can_collect:
        html.append(_print_links(y, pk))
    html.append(_grid("送付した通知", ["通知", "発行日", "版", "再発行"], notice_rows(y.notices)) + "</section>\n")
    return SafeString("".join(html))
