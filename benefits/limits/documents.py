"""The 負担限度額認定証 (介護保険負担限度額認定証, 施行規則 §83の6: given to a person certified, showing the
stage's daily limits of food and stay and the validity) on the PDF kit of kaigo/documents/. Pure
rendering: benefits.limits.selectors gathers the values. Layout after the national model form
[assumed wording: to check against the city's form]."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from kaigo.documents import CardHolder, InsurerInfo
from kaigo.documents.layout import LABEL_WIDTH, MM, Cell, Form
from kaigo.documents.wareki import wareki

TITLE = "介護保険負担限度額認定証"
NOTES = (
    "注意事項",
    "1　介護保険施設に入所するとき又は短期入所を利用するときは、被保険者証と一緒に必ず施設に提示してください。",
    "2　食費・居住費（滞在費）の負担は、この認定証に記載された負担限度額までとなります（介護保険法第51条の3）。",
    "3　預貯金等の申告に偽りがあったときは、支給された額の返還と加算金の納付を求めることがあります。",
    "4　有効期限の後も引き続き利用するときは、更新の申請をしてください。",
)


@dataclass(frozen=True)
class LimitCertificateData:
    holder: CardHolder
    insurer: InsurerInfo
    issued_on: date
    valid_from: date
    valid_to: date
    stage_label: str
    amounts: tuple[tuple[str, int], ...]  # (item label, yen per day)


def _one(form: Form, data: LimitCertificateData) -> None:
    form.start_document(footer=TITLE)
    form.title(TITLE, size=18, height=34)
    form.field("交付年月日", wareki(data.issued_on), height=20, size=10.5)
    form.field("被保険者番号", data.holder.insured_number, height=22, size=12)
    form.field("住所", data.holder.address, height=26, size=10.5)
    form.field("フリガナ", data.holder.name_kana, height=16, size=8.5)
    form.field("氏名", data.holder.name_kanji, height=26, size=13)
    form.row(22, Cell("生年月日", LABEL_WIDTH, label=True, size=9), Cell(wareki(data.holder.birth_date)),
             Cell("性別", 18 * MM, label=True, size=9), Cell(data.holder.sex_label, 24 * MM))
    form.field("適用年月日", wareki(data.valid_from), height=20)
    form.field("有効期限", wareki(data.valid_to), height=20)
    form.field("利用者負担段階", data.stage_label, height=22, size=12)
    form.space(4)
    form.row(20, Cell("負担限度額（日額）", 110 * MM, label=True, size=9, align="center"),
             Cell("円", 0, label=True, size=9, align="center"))
    for label, amount in data.amounts:
        form.row(18, Cell(label, 110 * MM, size=9), Cell(f"{amount:,}円", 0, size=10, align="right"))
    form.space(4)
    form.field("保険者番号", data.insurer.number, height=20)
    form.field("保険者の名称", data.insurer.name, height=20)
    form.space(4)
    for note in NOTES:
        form.paragraph(note, size=8.5)


def render_certificates(items: Sequence[LimitCertificateData]) -> bytes:
    form = Form(title=TITLE)
    for data in items:
        _one(form, data)
    return form.finish()
