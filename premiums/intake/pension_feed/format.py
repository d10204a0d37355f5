"""The pension insurers' files of pension deduction (特別徴収), received through 国保連: notice kinds,
insurers, columns and codes. The real exchange is a fixed-length legacy layout whose byte lengths
are not known here (DOMAIN 6.6); this is a CSV with the documented field set. Documented for
people in docs/subsystems/pension-feed.md; parser.py reads this layout and
linkage/pension/simulator.py writes it. No database here.
"""

from __future__ import annotations

from django.db import models

from kaigo.feeds import Column, FileLayout, header_of, line_encode  # noqa: F401  (line_encode: for the simulator and tests)
from premiums.rules.codes import PensionKind


class Notice(models.TextChoices):
    """通知内容コード. 00 is the code S1 uses; 01 and 10 are project codes."""

    TARGETS = "00", "特別徴収対象者情報"
    ADDITIONAL_CANDIDATES = "01", "特別徴収追加候補者情報"
    RESULTS = "10", "特別徴収結果通知"


# The months each notice is sent for (対象年月): the yearly listing in May (persons as of 4/1), the
# additional candidates in the odd months other than May, the results after each pension month.
NOTICE_MONTHS: dict[str, frozenset[int]] = {
    Notice.TARGETS: frozenset({5}),
    Notice.ADDITIONAL_CANDIDATES: frozenset({7, 9, 11, 1, 3}),
    Notice.RESULTS: frozenset({4, 6, 8, 10, 12, 2}),
}
NOTICE_MONTH_TEXT = {
    Notice.TARGETS: "5月のみ",
    Notice.ADDITIONAL_CANDIDATES: "7月・9月・11月・1月・3月のみ",
    Notice.RESULTS: "4月・6月・8月・10月・12月・2月のみ",
}


# 特別徴収義務者コード (the pension insurer). 001 is the code S1 uses for 地方公務員共済組合連合会;
# the others are project codes until the 経由機関's media specification is obtained.
INSURERS: dict[str, str] = {
    "001": "地方公務員共済組合連合会",
    "010": "日本年金機構（厚生労働大臣）",
    "020": "国家公務員共済組合連合会",
    "030": "日本私立学校振興・共済事業団",
}

# 年金種別 (project codes) -> premiums.rules.codes.PensionKind.
PENSION_KIND_CODES: dict[str, str] = {
    "1": PensionKind.OLD_AGE.value,
    "2": PensionKind.DISABILITY.value,
    "3": PensionKind.SURVIVOR.value,
    "4": PensionKind.OLD_AGE_WELFARE.value,
    "5": PensionKind.WIDOW.value,
}
PENSION_KIND_FILE_CODES = {kind: code for code, kind in PENSION_KIND_CODES.items()}

# 特別徴収可否 (00/01): 1 可, 0 不可 (suspended, pledged, or another reason the insurer gives).
WITHHOLDABLE_CODES = {"1": True, "0": False}
WITHHOLDABLE_FILE_CODES = {True: "1", False: "0"}


class DeductionResult(models.TextChoices):
    """処理結果 of a 特別徴収結果通知 line: deducted, or why not (project codes)."""

    DEDUCTED = "deducted", "徴収済"
    DIED = "died", "未徴収（死亡）"
    SUSPENDED = "suspended", "未徴収（差止・支給停止）"
    INSUFFICIENT = "insufficient", "未徴収（年金額不足）"
    STOPPED = "stopped", "未徴収（中止依頼により停止）"
    OTHER = "other", "未徴収（その他）"


RESULT_CODES: dict[str, str] = {
    "0": DeductionResult.DEDUCTED.value,
    "1": DeductionResult.DIED.value,
    "2": DeductionResult.SUSPENDED.value,
    "3": DeductionResult.INSUFFICIENT.value,
    "4": DeductionResult.STOPPED.value,
    "9": DeductionResult.OTHER.value,
}
RESULT_FILE_CODES = {result: code for code, result in RESULT_CODES.items()}

COLUMNS: tuple[Column, ...] = (
    Column("通知連番", "serial"),
    Column("通知内容コード", "notice"),
    Column("対象年月", "month"),
    Column("特別徴収義務者コード", "insurer_code"),
    Column("基礎年金番号", "basic_pension_number"),
    Column("年金コード", "pension_code"),
    Column("年金種別", "pension_kind"),
    Column("生年月日", "birth_date"),
    Column("性別", "sex"),
    Column("氏名カナ", "name_kana"),
    Column("年金額", "annual_amount"),
    Column("特別徴収可否", "withholdable"),
    Column("特別徴収額", "deducted_amount"),
    Column("処理結果", "result"),
)
HEADER = header_of(COLUMNS)
# The file: header, lines, trailer (count, and the total of 年金額 and 特別徴収額 as written; kaigo/feeds.py).
LAYOUT = FileLayout(COLUMNS, amounts=("annual_amount", "deducted_amount"))
LABELS = {c.attr: c.label for c in COLUMNS}
ATTRS = tuple(c.attr for c in COLUMNS)

# Required on every line.
ALWAYS = frozenset({"serial", "notice", "month", "insurer_code", "basic_pension_number", "pension_code",
                    "pension_kind", "birth_date", "sex", "name_kana"})
# By notice: the further fields required; the others must be empty.
NOTICE_FIELDS: dict[str, frozenset[str]] = {
    Notice.TARGETS: frozenset({"annual_amount", "withholdable"}),
    Notice.ADDITIONAL_CANDIDATES: frozenset({"annual_amount", "withholdable"}),
    Notice.RESULTS: frozenset({"deducted_amount", "result"}),
}
AMOUNT_DIGITS = 9
