"""The board materials (審査会資料, DOMAIN.md 3.7): a cover page listing the session's cases, then one
page (or more) per case. Two versions: the committee's (委員用) and the secretariat's (事務局用),
which adds the case's references needed to enter the results (ward, kind of application, the
previous level and validity). Neither prints the applicant's name, address, birth date or My
Number: the values (certification.board.documents.data) have no field for them."""

from __future__ import annotations

from datetime import date

from kaigo.documents import fonts
from kaigo.documents.layout import LABEL_WIDTH, MM, PADDING, Cell, Form, wrap
from kaigo.documents.wareki import wareki

from .data import MaterialCase, MaterialSession

COMMITTEE = "committee"
SECRETARIAT = "secretariat"
VERSION_LABELS = {COMMITTEE: "委員用", SECRETARIAT: "事務局用"}
TITLE = "介護認定審査会資料"
HANDLING = ("取扱注意：この資料は審査判定のためにのみ使用し、審査会の終了後に事務局へ返却してください。"
            "申請者を特定する情報（氏名・住所・生年月日・個人番号）は記載していません。")


def _d(day: date | None) -> str:
    return wareki(day) if day else ""


LINES_PER_BLOCK = 8


def _long_text(form: Form, text: str, *, size: float = 9.5) -> None:
    """A text of any length (the survey's special notes): wrapped, and drawn a few lines at a time
    so that it continues on the next page instead of overflowing one."""
    lines = wrap(fonts.printable(text), form.right - form.left - 2 * PADDING, size)
    for start in range(0, len(lines), LINES_PER_BLOCK):
        form.paragraph("".join(lines[start:start + LINES_PER_BLOCK]), size=size)


def _insured_class(case: MaterialCase) -> str:
    if case.second_class:
        return f"第2号被保険者（特定疾病：{case.specified_disease or '未記載'}）"
    return "第1号被保険者"


def _cover(form: Form, session: MaterialSession) -> None:
    form.title(f"{TITLE}（{VERSION_LABELS[session.version]}）")
    form.field("合議体", session.panel)
    form.field("開催日", _d(session.held_on))
    form.field("開催場所", session.place)
    form.field("審査件数", f"{len(session.cases)}件")
    form.space(6)
    form.paragraph(HANDLING, size=8.5)
    form.space(4)
    secretariat = session.version == SECRETARIAT
    head = [Cell("審査順", 18 * MM, label=True, size=9), Cell("案件番号", 34 * MM, label=True, size=9)]
    if secretariat:
        head += [Cell("区", 24 * MM, label=True, size=9), Cell("申請の種類", 34 * MM, label=True, size=9)]
    head += [Cell("年齢・性別", 28 * MM, label=True, size=9), Cell("一次判定", label=True, size=9)]
    form.row(18, *head)
    for case in session.cases:
        cells = [Cell(str(case.sequence), 18 * MM, align="center"), Cell(case.case_number, 34 * MM, align="center")]
        if secretariat and case.secretariat is not None:
            cells += [Cell(case.secretariat.ward, 24 * MM, size=9), Cell(case.secretariat.kind, 34 * MM, size=9)]
        elif secretariat:
            cells += [Cell("", 24 * MM), Cell("", 34 * MM)]
        cells += [Cell(f"{case.age_band}・{case.sex}", 28 * MM, size=9), Cell(case.primary_level or "—", size=9)]
        form.row(17, *cells)


def _case(form: Form, session: MaterialSession, case: MaterialCase) -> None:
    form.start_document(footer=f"{TITLE}（{VERSION_LABELS[session.version]}） {_d(session.held_on)} {session.panel} "
                               f"審査順{case.sequence} 案件番号 {case.case_number}")
    form.title(f"審査順 {case.sequence}　案件番号 {case.case_number}", size=15, height=30)
    form.row(24, Cell("年齢", LABEL_WIDTH, label=True, size=9), Cell(case.age_band),
             Cell("性別", 18 * MM, label=True, size=9), Cell(case.sex, 22 * MM, align="center"))
    form.field("被保険者の区分", _insured_class(case))
    refs = case.secretariat
    if session.version == SECRETARIAT and refs is not None:
        form.heading("事務局記入用（結果の入力のための参照）")
        form.row(22, Cell("区", LABEL_WIDTH, label=True, size=9), Cell(refs.ward),
                 Cell("申請の種類", 30 * MM, label=True, size=9), Cell(refs.kind))
        form.field("申請日", _d(refs.applied_on))
        previous = refs.previous_level or "なし"
        if refs.previous_valid_from or refs.previous_valid_to:
            previous += f"（有効期間 {_d(refs.previous_valid_from)}～{_d(refs.previous_valid_to)}）"
        form.field("前回の認定", previous)
    form.heading("一次判定")
    form.field("一次判定の結果", case.primary_level or "（一次判定の結果がありません）", size=13)
    if case.minutes:
        for label, minutes in case.minutes:
            form.row(18, Cell(label, LABEL_WIDTH, label=True, size=8.5), Cell(minutes, align="right"))
    if case.total_minutes:
        form.field("要介護認定等基準時間", case.total_minutes)
    if case.primary_note:
        form.paragraph(case.primary_note, size=8)
    form.heading("認定調査の特記事項")
    _long_text(form, case.special_notes or "（記載なし）")
    form.heading("主治医意見書の主な項目")
    if case.opinion_items:
        for label, value in case.opinion_items:
            form.field(label, value, height=22, size=9.5)
    else:
        form.paragraph("（記載なし）", size=9.5)


def render_materials(session: MaterialSession) -> bytes:
    """The session's materials as one PDF: the cover, then each case in its order."""
    form = Form(title=f"{TITLE}（{VERSION_LABELS[session.version]}）", overflow="new_page")
    form.start_document(footer=f"{TITLE}（{VERSION_LABELS[session.version]}） {_d(session.held_on)} {session.panel}")
    _cover(form, session)
    for case in session.cases:
        _case(form, session, case)
    return form.finish()
