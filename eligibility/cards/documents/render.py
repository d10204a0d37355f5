"""The three eligibility documents (規則 様式第1号 and the two certificates) and batch printing.

Each function returns one single-page A4 PDF. Labels follow 様式第1号 in its order; boxes whose
value is unknown stay blank so the form still reads as the statutory one.
"""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader, PdfWriter

from kaigo.documents import CardHolder, InsurerInfo
from kaigo.documents.layout import LABEL_WIDTH, MM, Cell, Form
from kaigo.documents.wareki import wareki

from .data import CareInfo, DocumentMeta

SUB_LABEL = 30 * MM
TITLE_CARD = "介護保険被保険者証"
TITLE_QUALIFICATION = "介護保険資格者証"
TITLE_ELIGIBILITY = "受給資格証明書"
TITLE_BATCH = "介護保険証類"
REPRINT_MARK = "再交付"

CARE_MANAGER_LABEL = (
    "居宅介護支援事業者若しくは介護予防支援事業者及びその事業所の名称又は地域包括支援センターの名称"
)
INSURER_LABEL = "保険者番号並びに保険者の名称及び所在地"

CARD_NOTES = (
    "注意事項",
    "一　介護サービスを受けようとするときは、この証を必ず事業者又は施設の窓口に提示してください。",
    "二　記載事項に変更があったとき、又は被保険者の資格を失ったときは、14日以内に届け出て、この証を返してください。",
    "三　この証を他人に譲り渡し、又は貸してはいけません。",
)
QUALIFICATION_NOTES = (
    "この証は、要介護認定又は要支援認定の申請中であることを証するもので、被保険者証に代わるものです。",
    "認定の結果が出るまでの間も、暫定の居宅サービス計画（ケアプラン）に基づいて介護サービスを利用することができます。"
    "ただし、認定の結果によっては、費用の全部又は一部が自己負担となることがあります。",
    "認定結果の通知とともに被保険者証が届いたときは、この証を返してください。",
)
ELIGIBILITY_NOTES = (
    "転入先の市区町村で被保険者となった日から14日以内に、この証明書を添えて要介護認定又は要支援認定を"
    "申請すると、この証明書の内容に基づいて認定を受けることができます（介護保険法第36条）。",
)


def _d(day: date | None) -> str:
    return wareki(day) if day else ""


def _period(start: date | None, end: date | None) -> str:
    if not start and not end:
        return ""
    return f"{_d(start)}　～　{_d(end)}"


def _start(title: str, meta: DocumentMeta) -> Form:
    form = Form(title=title)
    if meta.reprint:
        form.stamp(REPRINT_MARK)
    form.title(title)
    return form


def _holder_rows(form: Form, holder: CardHolder) -> None:
    form.field("被保険者番号", holder.insured_number, height=26, size=14)
    form.field("住所", holder.address, height=44)
    form.field("フリガナ", holder.name_kana, height=20, size=10)
    form.field("氏名", holder.name_kanji, height=32, size=15)
    form.row(
        24,
        Cell("生年月日", LABEL_WIDTH, label=True, size=9),
        Cell(_d(holder.birth_date)),
        Cell("性別", 18 * MM, label=True, size=9),
        Cell(holder.sex_label, 22 * MM, align="center"),
    )


def _insurer_block(form: Form, insurer: InsurerInfo) -> None:
    form.block(
        INSURER_LABEL,
        [
            (22, (Cell("保険者番号", SUB_LABEL, label=True, size=9), Cell(insurer.number, size=12))),
            (34, (Cell("名称及び所在地", SUB_LABEL, label=True, size=9),
                  Cell("\n".join(part for part in (insurer.name, insurer.address) if part), size=10.5))),
        ],
    )


def _care_manager_block(form: Form, care: CareInfo) -> None:
    form.block(
        CARE_MANAGER_LABEL,
        [
            (36, (Cell("名称", SUB_LABEL, label=True, size=9), Cell(care.care_manager or "", size=10.5))),
            (22, (Cell("届出年月日", SUB_LABEL, label=True, size=9), Cell(_d(care.care_manager_notified_on)))),
        ],
    )


def _limit_text(care: CareInfo) -> str:
    if care.limit_units_per_month is None:
        return ""
    return f"{care.limit_units_per_month:,}単位"


def render_insurance_card(*, holder: CardHolder, insurer: InsurerInfo, care: CareInfo, meta: DocumentMeta) -> bytes:
    """介護保険被保険者証 (介護保険法施行規則 様式第1号)."""
    form = _start(TITLE_CARD, meta)
    form.heading("（一）")
    _holder_rows(form, holder)
    form.field("交付年月日", _d(meta.issued_on))
    _insurer_block(form, insurer)

    form.heading("（二）")
    form.field("要介護状態区分等", care.care_level or "", size=13)
    form.field("認定年月日", _d(care.certified_on))
    form.field("認定の有効期間", _period(care.valid_from, care.valid_to))
    limit_period = _period(care.valid_from, care.valid_to) if care.limit_units_per_month is not None else ""
    form.block(
        "区分支給限度基準額",
        [
            (22, (Cell("期間", SUB_LABEL, label=True, size=9), Cell(limit_period))),
            (22, (Cell("1月当たり", SUB_LABEL, label=True, size=9), Cell(_limit_text(care)))),
            (26, (Cell("うち種類支給限度基準額", SUB_LABEL, label=True, size=8), Cell(care.kind_limit or "", size=9))),
        ],
    )
    form.field("認定審査会の意見及びサービスの種類の指定", care.board_opinion or "", height=52, size=10)

    form.heading("（三）")
    form.field("給付制限", care.benefit_restriction or "", height=40, size=10)
    _care_manager_block(form, care)
    form.field("介護保険施設等", care.facility or "", height=40, size=10)
    form.space(4)
    for note in CARD_NOTES:
        form.paragraph(note, size=7.5)
    form.footer(f"交付番号 {meta.serial}" if meta.serial else "")
    return form.finish()


def render_qualification_certificate(
    *, holder: CardHolder, insurer: InsurerInfo, care: CareInfo, meta: DocumentMeta,
    application_date: date, valid_until: date,
) -> bytes:
    """介護保険資格者証: stands in for the card while an application for certification is pending."""
    form = _start(TITLE_QUALIFICATION, meta)
    _holder_rows(form, holder)
    form.field("交付年月日", _d(meta.issued_on))
    _insurer_block(form, insurer)
    form.space(6)
    form.field("申請年月日", _d(application_date))
    current = f"申請中（現在の区分：{care.care_level}）" if care.care_level else "申請中"
    form.field("要介護状態区分等", current, size=12)
    form.field("認定の有効期間", _period(care.valid_from, care.valid_to))
    form.field("資格者証の有効期限", _d(valid_until))
    form.field("給付制限", care.benefit_restriction or "", height=30, size=10)
    _care_manager_block(form, care)
    form.field("介護保険施設等", care.facility or "", height=30, size=10)
    form.space(6)
    form.field("暫定利用", "認定の結果が出るまでの間、暫定の居宅サービス計画により介護サービスを利用できます。",
               height=30, size=10)
    form.space(4)
    for note in QUALIFICATION_NOTES:
        form.paragraph(note, size=8)
    form.footer(f"交付番号 {meta.serial}" if meta.serial else "")
    return form.finish()


def render_eligibility_certificate(
    *, holder: CardHolder, insurer: InsurerInfo, care: CareInfo, meta: DocumentMeta,
    moved_out_on: date, application_pending: bool,
) -> bytes:
    """受給資格証明書: the certification a person takes to the new insurer on moving out (法 §36)."""
    form = _start(TITLE_ELIGIBILITY, meta)
    _holder_rows(form, holder)
    form.field("転出年月日", _d(moved_out_on))
    _insurer_block(form, insurer)
    form.space(6)
    form.field("要介護状態区分等", care.care_level or "", size=13)
    form.field("認定年月日", _d(care.certified_on))
    form.field("認定の有効期間", _period(care.valid_from, care.valid_to))
    form.field("認定審査会の意見及びサービスの種類の指定", care.board_opinion or "", height=44, size=10)
    form.field("給付制限", care.benefit_restriction or "", height=30, size=10)
    form.field("申請の状況", "要介護認定等の申請中" if application_pending else "申請中の手続はありません",
               size=11)
    form.space(4)
    for note in ELIGIBILITY_NOTES:
        form.paragraph(note, size=8)
    form.space(6)
    form.paragraph("上記のとおり証明します。", size=10.5)
    form.paragraph(_d(meta.issued_on), size=10.5)
    form.paragraph(f"保険者　{insurer.name}（保険者番号 {insurer.number}）", size=10.5)
    form.footer(f"交付番号 {meta.serial}" if meta.serial else "")
    return form.finish()


def render_batch(pages: list[bytes]) -> bytes:
    """One PDF holding every page of the given documents, in order, for batch printing."""
    writer = PdfWriter()
    titles: set[str] = set()
    for document in pages:
        reader = PdfReader(io.BytesIO(document))
        title = (reader.metadata or {}).get("/Title")
        if title:
            titles.add(str(title))
        writer.append(reader)
    writer.add_metadata({"/Title": titles.pop() if len(titles) == 1 else TITLE_BATCH, "/Creator": "kaigo"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
