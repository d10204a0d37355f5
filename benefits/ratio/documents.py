"""The 負担割合証 (介護保険負担割合証, 施行規則 第28条の2: the certificate of the ratio given to every
person certified, showing the ratio and the days it applies) on the PDF kit of kaigo/documents/.
Pure rendering: benefits.ratio.selectors gathers the values. Layout after the national model form
(様式) [assumed wording: to check against the city's form]."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from kaigo.documents import CardHolder, InsurerInfo
from kaigo.documents.layout import LABEL_WIDTH, MM, Cell, Form
from kaigo.documents.wareki import wareki

TITLE = "介護保険負担割合証"
REPRINT_MARK = "再発行"
NOTES = (
    "注意事項",
    "1　介護サービスを利用するときは、必ず被保険者証と一緒に事業者又は施設に提示してください。",
    ("2　利用者負担の割合は、前年の所得と世帯の第1号被保険者の年金収入等により判定しています（介護保険法第49条の2、"
     "第59条の2）。"),
    "3　適用期間の途中で世帯の構成や所得の更正により割合が変わったときは、新しい負担割合証を交付します。",
)


@dataclass(frozen=True)
class RatioLine:
    ratio: int
    valid_from: date
    valid_to: date


@dataclass(frozen=True)
class RatioCertificateData:
    holder: CardHolder
    insurer: InsurerInfo
    issued_on: date
    lines: tuple[RatioLine, ...]  # the ratio and its days (a change within the year: two lines)
    serial: str = ""
    reprint: bool = False


def _one(form: Form, data: RatioCertificateData) -> None:
    form.start_document(footer=f"{TITLE}　発行番号 {data.serial}" if data.serial else TITLE)
    if data.reprint:
        form.stamp(REPRINT_MARK)
    form.title(TITLE, size=18, height=34)
    form.field("交付年月日", wareki(data.issued_on), height=20, size=10.5)
    form.field("被保険者番号", data.holder.insured_number, height=22, size=12)
    form.field("住所", data.holder.address, height=26, size=10.5)
    form.field("フリガナ", data.holder.name_kana, height=16, size=8.5)
    form.field("氏名", data.holder.name_kanji, height=26, size=13)
    form.row(22, Cell("生年月日", LABEL_WIDTH, label=True, size=9), Cell(wareki(data.holder.birth_date)),
             Cell("性別", 18 * MM, label=True, size=9), Cell(data.holder.sex_label, 24 * MM))
    form.space(4)
    form.row(20, Cell("利用者負担の割合", 60 * MM, label=True, size=9, align="center"),
             Cell("適用期間", 0, label=True, size=9, align="center"))
    for line in data.lines:
        form.row(30, Cell(f"{line.ratio}割", 60 * MM, size=16, align="center"),
                 Cell(f"開始年月日　{wareki(line.valid_from)}\n終了年月日　{wareki(line.valid_to)}", 0, size=10.5))
    form.space(4)
    form.field("保険者番号", data.insurer.number, height=20)
    form.field("保険者の名称", data.insurer.name, height=20)
    form.space(4)
    for note in NOTES:
        form.paragraph(note, size=8.5)


def render_certificates(items: Sequence[RatioCertificateData]) -> bytes:
    """Every certificate on one canvas, in order (one embedded font subset: batch printing)."""
    form = Form(title=TITLE)
    for data in items:
        _one(form, data)
    return form.finish()
