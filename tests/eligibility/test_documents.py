"""The printed eligibility documents: text, embedded font, reprint mark, fitting, batch, wareki."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import date

import pytest
from pypdf import PdfReader

from eligibility.cards.documents import (
    CareInfo,
    DocumentMeta,
    render_batch,
    render_eligibility_certificate,
    render_insurance_card,
    render_qualification_certificate,
)
from kaigo.documents import CardHolder, InsurerInfo, fonts, unsupported_characters, wareki
from kaigo.documents.layout import LEADING, fit_text, wrap

# Synthetic person and insurer (no real name, address or number).
HOLDER = CardHolder(
    insured_number="0000012344",
    name_kanji="試験　花子",
    name_kana="シケン　ハナコ",
    birth_date=date(1950, 6, 15),
    sex_label="女",
    address="架空県見本市中央区試験町一丁目2番3号",
)
INSURER = InsurerInfo(number="999999", name="見本市", address="架空県見本市中央区本町1番地")
CARE = CareInfo(
    care_level="要介護2",
    certified_on=date(2025, 4, 10),
    valid_from=date(2025, 4, 1),
    valid_to=date(2026, 3, 31),
    board_opinion="特になし",
    benefit_restriction="給付額減額（令和7年5月1日から令和8年4月30日まで）",
    care_manager="見本居宅介護支援事業所",
    facility="介護老人福祉施設　見本苑　入所 令和7年6月1日",
    limit_units_per_month=19705,
    care_manager_notified_on=date(2025, 4, 15),
)
META = DocumentMeta(issued_on=date(2025, 4, 20), serial="2025-000123")
REPRINT = DocumentMeta(issued_on=date(2025, 4, 20), reprint=True, serial="2025-000124")

CARD_LABELS = [
    "介護保険被保険者証", "被保険者番号", "住所", "フリガナ", "氏名", "生年月日", "性別", "交付年月日",
    "保険者番号並びに保険者の名称及び所在地", "要介護状態区分等", "認定年月日", "認定の有効期間",
    "区分支給限度基準額", "うち種類支給限度基準額", "認定審査会の意見及びサービスの種類の指定", "給付制限",
    "居宅介護支援事業者若しくは介護予防支援事業者及びその事業所の名称又は地域包括支援センターの名称",
    "届出年月日", "介護保険施設等",
]
HOLDER_VALUES = [
    "0000012344", "試験　花子", "シケン　ハナコ", "昭和25年6月15日", "女",
    "架空県見本市中央区試験町一丁目2番3号", "999999", "見本市",
]


def card(holder=HOLDER, care=CARE, meta=META) -> bytes:
    return render_insurance_card(holder=holder, insurer=INSURER, care=care, meta=meta)


def qualification(holder=HOLDER, care=CareInfo(), meta=META) -> bytes:
    return render_qualification_certificate(
        holder=holder, insurer=INSURER, care=care, meta=meta,
        application_date=date(2025, 4, 18), valid_until=date(2025, 7, 31),
    )


def eligibility(holder=HOLDER, care=CARE, meta=META, pending=True) -> bytes:
    return render_eligibility_certificate(
        holder=holder, insurer=INSURER, care=care, meta=meta,
        moved_out_on=date(2025, 9, 30), application_pending=pending,
    )


DOCUMENTS = {
    "card": (card, "介護保険被保険者証", CARD_LABELS),
    "qualification": (qualification, "介護保険資格者証",
                      ["被保険者番号", "住所", "フリガナ", "氏名", "生年月日", "性別", "交付年月日",
                       "保険者番号並びに保険者の名称及び所在地", "申請年月日", "要介護状態区分等", "申請中",
                       "資格者証の有効期限", "令和7年7月31日", "令和7年4月18日", "暫定"]),
    "eligibility": (eligibility, "受給資格証明書",
                    ["被保険者番号", "住所", "フリガナ", "氏名", "生年月日", "性別", "転出年月日",
                     "令和7年9月30日", "要介護状態区分等", "要介護2", "認定年月日", "認定の有効期間",
                     "認定審査会の意見及びサービスの種類の指定", "申請の状況", "上記のとおり証明します",
                     "14日以内"]),
}


def compact(text: str) -> str:
    return "".join(text.split())


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def fonts_of(pdf: bytes) -> list[dict]:
    """Every font dictionary used on every page (descendant fonts of composite fonts included)."""
    found = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            found.append(font)
            found.extend(d.get_object() for d in font.get("/DescendantFonts", []))
    return found


# -- wareki ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2025, 4, 1), "令和7年4月1日", id="reiwa-7"),
        pytest.param(date(2019, 5, 1), "令和元年5月1日", id="reiwa-first-day"),
        pytest.param(date(2019, 4, 30), "平成31年4月30日", id="heisei-last-day"),
        pytest.param(date(2020, 1, 1), "令和2年1月1日", id="reiwa-2"),
        pytest.param(date(1989, 1, 8), "平成元年1月8日", id="heisei-first-day"),
        pytest.param(date(1989, 1, 7), "昭和64年1月7日", id="showa-last-day"),
        pytest.param(date(1950, 6, 15), "昭和25年6月15日", id="showa-birth"),
        pytest.param(date(1926, 12, 25), "昭和元年12月25日", id="showa-first-day"),
        pytest.param(date(1926, 12, 24), "大正15年12月24日", id="taisho-last-day"),
        pytest.param(date(1912, 7, 30), "大正元年7月30日", id="taisho-first-day"),
        pytest.param(date(1912, 7, 29), "明治45年7月29日", id="meiji-last-day"),
        pytest.param(date(1873, 1, 1), "明治6年1月1日", id="gregorian-adoption"),
    ],
)
def test_wareki(day, expected):
    assert wareki(day) == expected


def test_wareki_refuses_lunisolar_dates():
    with pytest.raises(ValueError):
        wareki(date(1872, 12, 31))


# -- contents -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", DOCUMENTS)
def test_document_prints_labels_and_holder_values(kind):
    render, title, labels = DOCUMENTS[kind]
    pdf = render()
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = compact(text_of(pdf))
    assert compact(title) in text
    missing = [value for value in labels + HOLDER_VALUES if compact(value) not in text]
    assert missing == []


def test_card_prints_care_values():
    text = compact(text_of(card()))
    for value in ["要介護2", "令和7年4月10日", "令和7年4月1日～令和8年3月31日", "19,705単位", "特になし",
                  "給付額減額", "見本居宅介護支援事業所", "令和7年4月15日", "見本苑", "令和7年4月20日"]:
        assert compact(value) in text, value


def test_card_without_certification_leaves_the_boxes_blank():
    text = compact(text_of(card(care=CareInfo())))
    assert "要介護状態区分等" in text and "認定の有効期間" in text  # the labels stay
    assert "要介護2" not in text and "単位" not in text and "令和7年4月1日" not in text
    assert "～" not in text


@pytest.mark.parametrize(("pending", "shown", "absent"), [
    pytest.param(True, "要介護認定等の申請中", "申請中の手続はありません", id="pending"),
    pytest.param(False, "申請中の手続はありません", "要介護認定等の申請中", id="not-pending"),
])
def test_eligibility_certificate_pending_flag(pending, shown, absent):
    text = compact(text_of(eligibility(pending=pending)))
    assert shown in text and absent not in text


def test_qualification_certificate_shows_current_level_when_renewing():
    text = compact(text_of(qualification(care=CareInfo(care_level="要支援1"))))
    assert "申請中（現在の区分：要支援1）" in text


@pytest.mark.parametrize("kind", DOCUMENTS)
def test_reprint_mark_only_on_reprints(kind):
    render = DOCUMENTS[kind][0]
    assert "再交付" in compact(text_of(render(meta=REPRINT)))
    assert "再交付" not in compact(text_of(render(meta=META)))


def test_serial_is_printed():
    assert "交付番号2025-000123" in compact(text_of(card()))


# -- font -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", DOCUMENTS)
def test_font_is_an_embedded_subset(kind):
    used = fonts_of(DOCUMENTS[kind][0]())
    assert used
    for font in used:
        if font.get("/Subtype") == "/Type0":
            continue  # a composite font's outlines sit in its descendant, checked in this loop
        assert re.fullmatch(r"/[A-Z]{6}\+IPAexGothic", font["/BaseFont"]), font["/BaseFont"]
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor
        assert descriptor["/FontName"] == font["/BaseFont"]
        assert "/ToUnicode" in font  # so the text can be searched and copied


def test_missing_glyph_prints_geta_mark():
    assert unsupported_characters("𠮷野　太郎") == {"𠮷"}
    assert unsupported_characters("髙﨑　太郎") == set()
    holder = CardHolder(**{**HOLDER.__dict__, "name_kanji": "𠮷野　太郎"})
    text = compact(text_of(card(holder=holder)))
    assert "〓野太郎" in text


# -- personal data never beyond the printed page ----------------------------------------------


@pytest.mark.parametrize("kind", DOCUMENTS)
def test_no_personal_data_in_metadata_and_no_my_number(kind):
    render, title, _ = DOCUMENTS[kind]
    pdf = render()
    metadata = PdfReader(io.BytesIO(pdf)).metadata
    assert metadata["/Title"] == title
    values = " ".join(str(v) for v in metadata.values())
    for personal in ["試験", "シケン", "0000012344", "架空県", "1950", "昭和25"]:
        assert personal not in values
    text = compact(text_of(pdf))
    assert "個人番号" not in text
    assert not re.search(r"\d{12}", text)  # no My Number-shaped digits anywhere


# -- fitting ----------------------------------------------------------------------------------

LONG_ADDRESS = "架空県見本市中央区試験町一丁目2番3号" + "見本ハイツ第二期棟" * 30 + "最終室"


@pytest.mark.parametrize("kind", DOCUMENTS)
def test_very_long_address_and_name_stay_on_one_page_and_extractable(kind):
    holder = CardHolder(**{**HOLDER.__dict__, "address": LONG_ADDRESS,
                           "name_kanji": "試験" * 40, "name_kana": "シケン" * 40})
    pdf = DOCUMENTS[kind][0](holder=holder)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    text = compact(text_of(pdf))
    assert compact(LONG_ADDRESS) in text
    assert "試験" * 40 in text


@pytest.mark.parametrize(
    ("length", "width", "height", "size"),
    [
        pytest.param(5, 300, 20, 11, id="short-one-line"),
        pytest.param(60, 300, 40, 11, id="wraps-at-full-size"),
        pytest.param(200, 300, 40, 11, id="shrinks"),
        pytest.param(3000, 300, 40, 11, id="cut-at-smallest-size"),
        pytest.param(40, 30, 200, 11, id="narrow-box"),
    ],
)
def test_fitted_text_stays_inside_its_box(length, width, height, size):
    text = ("見本市中央区試験町、" * 400)[:length]
    fitted = fit_text(text, width, height, size)
    assert fitted.size <= size
    assert len(fitted.lines) * fitted.size * LEADING <= height + 1e-6
    assert all(fonts.text_width(line, fitted.size) <= width + 1e-6 for line in fitted.lines)
    if length <= 200:
        assert "".join(fitted.lines) == text  # nothing lost while it can still be read


def test_wrap_keeps_closing_marks_off_the_line_start():
    size = 10
    width = fonts.text_width("あいうえお", size)
    lines = wrap("あいうえお。かきくけこ", width, size)
    assert all(not line.startswith("。") for line in lines)
    assert "".join(lines) == "あいうえお。かきくけこ"


# -- batch ------------------------------------------------------------------------------------


def test_batch_joins_the_pages_in_order():
    documents = [card(), qualification(), eligibility(), card(meta=REPRINT)]
    pdf = render_batch(documents)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 4
    firsts = [compact(page.extract_text()) for page in reader.pages]
    assert ["介護保険被保険者証" in firsts[0], "介護保険資格者証" in firsts[1], "受給資格証明書" in firsts[2],
            "再交付" in firsts[3]] == [True, True, True, True]
    assert reader.metadata["/Title"] == "介護保険証類"


def test_batch_of_one_kind_keeps_its_title():
    pdf = render_batch([card(), card()])
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    assert reader.metadata["/Title"] == "介護保険被保険者証"


def test_rendering_does_not_import_matplotlib():
    code = (
        "import sys, datetime\n"
        "from eligibility.cards.documents import *\n"
        "from kaigo.documents import CardHolder, InsurerInfo\n"
        "h = CardHolder('0000012344', '試験', 'シケン', datetime.date(1950, 1, 1), '男', '架空県')\n"
        "render_insurance_card(holder=h, insurer=InsurerInfo('999999', '見本市'), care=CareInfo(),"
        " meta=DocumentMeta(issued_on=datetime.date(2025, 4, 1)))\n"
        "print('matplotlib' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "False"
