"""The two notices of a certification decision on A4 (kaigo.documents.layout.Form, wareki dates)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from kaigo.documents import CardHolder, InsurerInfo
from kaigo.documents.layout import LABEL_WIDTH, MM, Cell, Form
from kaigo.documents.wareki import wareki

from .data import NoticeMeta, PostponementNotice, ResultNotice

TITLE_RESULT = "要介護認定・要支援認定等結果通知書"
TITLE_POSTPONEMENT = "要介護認定・要支援認定延期通知書"
REPRINT_MARK = "再発行"
REVIEW_BOARD = "神奈川県介護保険審査会"  # 法 §183: the prefecture's board hears the appeals
NOTE_SIZE = 8.5

RESULT_NOTES = (
    "介護サービスを利用するときは、被保険者証を事業者又は施設に提示してください。",
    ("有効期間の満了後も引き続きサービスを利用するときは、満了日の60日前から満了日までに更新の申請をしてください"
     "（介護保険法施行規則第39条）。"),
    "心身の状態が変わったときは、有効期間の途中でも要介護状態区分の変更を申請することができます（介護保険法第29条）。",
)
POSTPONEMENT_NOTES = (
    "介護保険法第27条第11項ただし書の規定により、上記のとおり処理を延期します。",
    "処理見込期間を過ぎても決定がないときは、申請が却下されたものとみなすことができます（介護保険法第27条第12項）。",
)


def _d(day: date | None) -> str:
    return wareki(day) if day else ""


def appeal_notes(insurer_name: str) -> tuple[str, ...]:
    """教示 (行政不服審査法 §82): 審査請求 to the prefecture's 介護保険審査会 within 3 months of the day
    after learning of the decision (介護保険法 §183, 行政不服審査法 §18 第1項), and the suit to cancel
    it within 6 months (行政事件訴訟法 §14 第1項), after the 裁決 (介護保険法 §196: 審査請求前置)
    [assumed wording]."""
    return (
        "（教示）",
        ("1　この処分に不服がある場合は、この処分があったことを知った日の翌日から起算して3か月以内に、"
         f"{REVIEW_BOARD}に対して審査請求をすることができます（介護保険法第183条、行政不服審査法第18条）。"),
        ("2　この処分の取消しの訴えは、上記1の審査請求に対する裁決があったことを知った日の翌日から起算して6か月以内に、"
         f"{insurer_name}を被告として（訴訟において{insurer_name}を代表する者は{insurer_name}長となります。）"
         "提起することができます（行政事件訴訟法第14条）。この訴えは、審査請求に対する裁決を経た後でなければ"
         "提起することができません（介護保険法第196条）。"),
    )


def _paragraphs(form: Form, lines: Sequence[str], *, size: float = NOTE_SIZE) -> None:
    for line in lines:
        form.paragraph(line, size=size)


def _start(title: str, meta: NoticeMeta, holder: CardHolder, insurer: InsurerInfo) -> Form:
    form = Form(title=title)
    if meta.reprint:
        form.stamp(REPRINT_MARK)
    form.title(title, size=17, height=30)
    form.row(20, Cell("案件番号", LABEL_WIDTH, label=True, size=9), Cell(meta.case_number),
             Cell("発行日", 24 * MM, label=True, size=9), Cell(wareki(meta.issued_on), 50 * MM))
    form.field("保険者", f"{insurer.name}（保険者番号 {insurer.number}）", height=20, size=10.5)
    form.field("被保険者番号", holder.insured_number, height=22, size=11)
    form.field("住所", holder.address, height=26, size=10.5)
    form.field("フリガナ", holder.name_kana, height=16, size=8.5)
    form.field("氏名", f"{holder.name_kanji}　様", height=26, size=13)
    form.space(4)
    return form


def render_result_notice(notice: ResultNotice) -> bytes:
    """要介護認定等結果通知書 (DOMAIN.md 3.11): level, validity, board opinion, designated services,
    the reason of a 非該当 or a change, and the 教示."""
    form = _start(TITLE_RESULT, notice.meta, notice.holder, notice.insurer)
    form.paragraph(f"{_d(notice.applied_on)}に申請のあった要介護認定・要支援認定について、次のとおり決定したので"
                   "通知します。", size=10)
    form.space(2)
    form.field("申請の種類", notice.kind_label)
    form.field("申請年月日", _d(notice.applied_on))
    form.field("認定年月日", _d(notice.decided_on))
    form.field("要介護状態区分等", notice.level_label, height=28, size=14)
    period = "" if notice.not_applicable else f"{_d(notice.valid_from)}　～　{_d(notice.valid_to)}"
    form.field("認定の有効期間", period)
    form.field("認定審査会の意見", notice.board_opinion, height=40, size=10)
    form.field("サービスの種類の指定", "、".join(notice.services) if notice.services else "指定なし", height=30, size=10)
    if notice.reason or notice.not_applicable:
        label = "非該当の理由" if notice.not_applicable else "決定の理由"
        form.field(label, notice.reason, height=44, size=10)
    form.space(3)
    _paragraphs(form, RESULT_NOTES)
    form.space(3)
    _paragraphs(form, appeal_notes(notice.insurer.name))
    form.footer(f"{TITLE_RESULT}　案件番号 {notice.meta.case_number}"
                + (f"　発行番号 {notice.meta.serial}" if notice.meta.serial else ""))
    return form.finish()


def render_postponement_notice(notice: PostponementNotice) -> bytes:
    """認定延期通知書 (法 §27 第11項 ただし書): the reason and the expected period (処理見込期間)."""
    form = _start(TITLE_POSTPONEMENT, notice.meta, notice.holder, notice.insurer)
    form.paragraph(f"{_d(notice.applied_on)}に申請のあった要介護認定・要支援認定については、次の理由により申請のあった日"
                   "から30日以内に処分をすることができないため、通知します。", size=10)
    form.space(2)
    form.field("申請の種類", notice.kind_label)
    form.field("申請年月日", _d(notice.applied_on))
    form.field("延期の理由", notice.reason, height=48, size=10.5)
    form.field("処理見込期間", f"{_d(notice.expected_by)}まで", height=26, size=12)
    form.field("延期通知日", _d(notice.postponed_on))
    form.space(3)
    _paragraphs(form, POSTPONEMENT_NOTES)
    form.footer(f"{TITLE_POSTPONEMENT}　案件番号 {notice.meta.case_number}"
                + (f"　発行番号 {notice.meta.serial}" if notice.meta.serial else ""))
    return form.finish()
