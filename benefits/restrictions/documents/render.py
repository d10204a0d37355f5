"""The three notices of a benefit restriction on A4 (kaigo.documents.layout.Form, wareki dates)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from kaigo.documents import CardHolder, InsurerInfo
from kaigo.documents.layout import LABEL_WIDTH, MM, Cell, Form
from kaigo.documents.wareki import wareki

REPRINT_MARK = "再発行"
REVIEW_BOARD = "神奈川県介護保険審査会"  # 法 §183: the prefecture's board hears the appeals
NOTE_SIZE = 8.5

TITLES = {
    "advance": "介護保険給付の{measure}に関する予告通知書（弁明の機会の付与）",
    "decision": "介護保険給付の{measure}決定通知書",
    "lift": "介護保険給付の{measure}解除通知書",
}


@dataclass(frozen=True)
class RestrictionNoticeData:
    """What a notice prints (plain values)."""

    kind: str  # advance, decision, lift
    holder: CardHolder
    insurer: InsurerInfo
    issued_on: date
    serial: str
    reprint: bool
    measure_label: str
    article: str  # 介護保険法第66条 ...
    oldest_due: date | None
    arrears: int
    prescribed: int
    reply_by: date | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    months: int | None = None
    closed_on: date | None = None
    close_reason: str = ""
    effects: tuple[str, ...] = field(default_factory=tuple)


def _d(day: date | None) -> str:
    return wareki(day) if day else ""


def _appeal(insurer_name: str) -> tuple[str, ...]:
    """教示 (行政不服審査法 §82), as on certification's notices [assumed wording]."""
    return (
        "（教示）",
        ("1　この処分に不服がある場合は、この処分があったことを知った日の翌日から起算して3か月以内に、"
         f"{REVIEW_BOARD}に対して審査請求をすることができます（介護保険法第183条、行政不服審査法第18条）。"),
        ("2　この処分の取消しの訴えは、上記1の審査請求に対する裁決があったことを知った日の翌日から起算して6か月以内に、"
         f"{insurer_name}を被告として提起することができます（行政事件訴訟法第14条、介護保険法第196条）。"),
    )


def render_restriction_notice(data: RestrictionNoticeData) -> bytes:
    title = TITLES[data.kind].format(measure=data.measure_label)
    form = Form(title=title)
    if data.reprint:
        form.stamp(REPRINT_MARK)
    form.title(title, size=14, height=30)
    form.row(20, Cell("通知番号", LABEL_WIDTH, label=True, size=9), Cell(data.serial),
             Cell("発行日", 24 * MM, label=True, size=9), Cell(wareki(data.issued_on), 50 * MM))
    form.field("保険者", f"{data.insurer.name}（保険者番号 {data.insurer.number}）", height=20, size=10.5)
    form.field("被保険者番号", data.holder.insured_number, height=22, size=11)
    form.field("住所", data.holder.address, height=26, size=10.5)
    form.field("フリガナ", data.holder.name_kana, height=16, size=8.5)
    form.field("氏名", f"{data.holder.name_kanji}　様", height=26, size=13)
    form.space(4)
    if data.kind == "advance":
        form.paragraph(f"あなたの介護保険料の納付状況により、{data.article}の規定に基づき、次の措置を行う予定です。"
                       "特別の事情（災害、病気、事業の休廃止等）がある場合は、下記の期限までに弁明書を提出してください。",
                       size=10)
    elif data.kind == "decision":
        form.paragraph(f"{data.article}の規定に基づき、次のとおり決定したので通知します。", size=10)
    else:
        form.paragraph(f"{data.article}の規定による次の措置を解除したので通知します。", size=10)
    form.space(2)
    form.field("措置の内容", data.measure_label, height=26, size=12)
    if data.oldest_due:
        form.field("最も古い未納の納期限", _d(data.oldest_due))
    if data.arrears:
        form.field("滞納額", f"{data.arrears:,}円")
    if data.prescribed:
        form.field("時効により消滅した保険料", f"{data.prescribed:,}円")
    if data.kind == "advance" and data.reply_by:
        form.field("弁明書の提出期限", _d(data.reply_by), height=26, size=12)
    if data.kind == "decision" and data.starts_on:
        period = f"{_d(data.starts_on)}から" + (f"{_d(data.ends_on)}まで" if data.ends_on else "（解除まで）")
        if data.months:
            period += f"（{data.months}か月）"
        form.field("措置の期間", period, height=26, size=11)
    if data.kind == "lift":
        form.field("解除日", _d(data.closed_on))
        form.field("解除の理由", data.close_reason, height=30, size=10)
    form.space(3)
    for line in data.effects:
        form.paragraph(line, size=NOTE_SIZE)
    if data.kind == "decision":
        form.space(3)
        for line in _appeal(data.insurer.name):
            form.paragraph(line, size=NOTE_SIZE)
    form.footer(f"{title}　通知番号 {data.serial}")
    return form.finish()
