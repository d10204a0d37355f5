"""Parts of the person screens rendered in Python, where the template engine is the cost.

The search is the busiest screen. A 50-row result table through the template engine costs about
3 ms (ten variable look-ups and escapes per row through Django's resolver) and each form field
through its widget templates about 0.2 ms; joined here they cost a tenth of that. Every text is
escaped here; the rows come from eligibility.selectors (SearchRow), where what a staff member may
not see has already been left out or replaced.
"""

from __future__ import annotations

from django import forms, template
from django.utils import timezone
from django.utils.safestring import SafeString

from kaigo.shell.html import escape_text as escape
from kaigo.shell.menu import record_url

register = template.Library()

@register.simple_tag
def search_rows(rows, overview_prefix: str) -> SafeString:
    """The <tr> elements of the search result table (columns as in resident_search.html)."""
    prefix = escape(overview_prefix)
    return SafeString("".join(
        f'<tr><td><a href="{prefix}{r.pk}/">{r.pk}</a></td><td>{escape(r.name_kanji)}</td>'
        f"<td>{escape(r.name_kana)}</td><td>{escape(r.sex)}</td><td>{escape(r.birth_date)}</td>"
        f"<td>{escape(r.ward)}</td><td>{escape(r.address)}</td><td>{escape(r.status)}</td>"
        f"<td>{f'<strong>{escape(r.notice)}</strong>' if r.notice else ''}</td></tr>\n"
        for r in rows
    ))


@register.simple_tag
def input_field(field: forms.BoundField) -> SafeString:
    """<label>, <input> and the field's errors, as ``{{ field.label_tag }} {{ field }}`` renders
    them, for a field whose widget is a plain <input> (text, date, number)."""
    widget = field.field.widget
    if not isinstance(widget, forms.widgets.Input) or widget.is_hidden:
        raise TypeError("input_field renders text-like <input> widgets only")
    attrs = field.build_widget_attrs(widget.attrs)
    html = [f'<label for="{escape(field.auto_id)}">{escape(field.label)}</label> ',
            f'<input type="{widget.input_type}" name="{escape(field.html_name)}"']
    value = widget.format_value(field.value())
    if value is not None:
        html.append(f' value="{escape(value)}"')
    for name, attr in attrs.items():
        if attr is True:
            html.append(f" {escape(name)}")
        elif attr is not False and attr is not None:
            html.append(f' {escape(name)}="{escape(attr)}"')
    html.append(f' id="{escape(field.auto_id)}">')
    if field.errors:
        html.append(f' <span class="errors" role="alert" id="{escape(field.auto_id)}_error">{escape(" ".join(field.errors))}</span>')
    return SafeString("".join(html))


def _period_table(periods) -> str:
    return ('<table class="grid">\n  <thead><tr><th scope="col">被保険者区分</th><th scope="col">資格取得日</th>'
            '<th scope="col">取得事由</th><th scope="col">資格喪失日</th><th scope="col">喪失事由</th></tr></thead>\n'
            f"  <tbody>\n{period_rows(periods)}  </tbody>\n</table>\n")


@register.simple_tag
def revision_sections(revisions) -> SafeString:
    """Every revision of a person's qualification history: a heading (number, when recorded, by
    what, when replaced) and its periods (eligibility/qualification/tab.html)."""
    html = []
    for rev in revisions:
        recorded = timezone.localtime(rev.recorded_from).strftime("%Y-%m-%d %H:%M:%S")
        replaced = (f"／ {timezone.localtime(rev.recorded_to).strftime('%Y-%m-%d %H:%M:%S')} に次の版で置換"
                    if rev.recorded_to else "／ 現在の版")
        html.append(
            f'<section aria-labelledby="rev-{rev.revision}">\n'
            f'  <h3 id="rev-{rev.revision}">第{rev.revision}版 <span class="note">記録 {recorded}'
            f"（{escape(rev.source)}）{replaced}</span></h3>\n{_period_table(rev.periods)}</section>\n")
    return SafeString("".join(html) or "<p>資格の記録はありません。</p>\n")


@register.simple_tag
def period_rows(periods) -> SafeString:
    """The <tr> elements of a qualification period table (eligibility/qualification/_periods.html);
    a person with twenty periods in several revisions shows a hundred rows."""
    if not periods:
        return SafeString('<tr><td colspan="5">資格の期間はありません。</td></tr>\n')
    return SafeString("".join(
        f"<tr><td>{escape(p.insured_class)}</td><td>{p.start.isoformat()}</td><td>{escape(p.gain)}</td>"
        f"<td>{p.end.isoformat() if p.end else '—'}</td><td>{escape(p.loss)}</td></tr>\n"
        for p in periods
    ))


_TAB_URLS = {"overview": "eligibility:overview", "qualification": "eligibility:qualification",
             "notify": "eligibility:notify", "cards": "eligibility:cards", "premiums": "premiums:tab"}


def _tab_link(pk: int, key: str, accesskey: str, label: str, active_tab: str) -> str:
    current = ' aria-current="page"' if active_tab == key else ""
    return f'<a href="{escape(record_url(_TAB_URLS[key], pk))}" accesskey="{accesskey}"{current}>{label}</a>'


@register.simple_tag
def person_heading(person, active_tab: str = "", can_update: bool = False) -> SafeString:
    """The heading of a person's tabs (qualification, notify, cards, premiums): name, the support
    measure's warning, the tab links and the person's numbers. ``person``: a PersonHeader
    (eligibility.qualification_selectors), names already decrypted for this request."""
    r = person.resident
    pk = r.pk
    who = "支援措置対象者" if r.sensitive else "支援措置対象者の世帯員"
    warning = ""
    if person.protected and person.sensitive_visible:
        warning = (f'<div class="errors sensitive-banner" role="alert">\n  <p><strong>{who}です。</strong>住所・電話番号・世帯の情報を、'
                   "本人以外（家族・関係者を名乗る者、他機関からの照会を含む）に伝えないでください。この宛名の閲覧はすべて記録されています。</p>\n</div>\n")
    elif person.protected:
        warning = f'<p class="note" role="note">{who}です。住所を印字する証の印刷は、その区の支援措置の閲覧権限がある職員のみ行えます。</p>\n'
    notify = f"｜ {_tab_link(pk, 'notify', '2', '届出の登録', active_tab)}\n    " if can_update else ""
    return SafeString(
        f'<p><a href="{escape(record_url(_TAB_URLS["overview"], pk))}">← 宛名（{pk}）</a></p>\n'
        f"<h1>{escape(r.name_kanji)}（{escape(r.name_kana)}）</h1>\n{warning}"
        '<nav aria-label="被保険者の画面">\n  <p>\n'
        f"    {_tab_link(pk, 'qualification', '1', '資格・履歴', active_tab)}\n    {notify}"
        f"｜ {_tab_link(pk, 'cards', '3', '証の交付', active_tab)}\n"
        f"    ｜ {_tab_link(pk, 'premiums', '4', '保険料', active_tab)}\n  </p>\n</nav>\n"
        '<table class="grid">\n  <tbody>\n'
        f'    <tr><th scope="row">宛名番号</th><td>{pk}</td><th scope="row">被保険者番号</th>'
        f'<td id="insured-number">{escape(person.insured_number or "（未付番）")}</td></tr>\n'
        f'    <tr><th scope="row">性別 / 生年月日</th><td>{escape(r.get_sex_display())} / '
        f"{r.birth_date.isoformat() if r.birth_date else ''}</td>"
        f'<th scope="row">住民区分 / 区</th><td>{escape(r.get_status_display())} / {escape(r.get_ward_display())}</td></tr>\n'
        "  </tbody>\n</table>\n")
