"""The survey file a contracted body sends (認定調査結果ファイル): its columns. Documented for people in
docs/subsystems/certification-survey.md ("The survey file"); parser.py reads this layout. The file
follows the city's shared CSV rules (kaigo/feeds.py: UTF-8 without BOM, a header row, a trailer
``トレーラ,<件数>``). No database here."""

from __future__ import annotations

from certification.rules.survey_items import CODES, GROUPS
from kaigo.feeds import Column, FileLayout, header_of, line_encode  # noqa: F401  (line_encode: for tests)

NOTE_COLUMNS = tuple(Column(f"特記事項{g.number}", f"note_{g.number}") for g in GROUPS)
COLUMNS: tuple[Column, ...] = (
    Column("案件番号", "case_number"),
    Column("調査実施日", "surveyed_on"),
    Column("調査機関コード", "body_code"),
    Column("認定調査員", "surveyor"),
    # one column per item of the basic survey, named by its code; the answer is the option's number
    *(Column(code, f"item_{code}") for code in CODES),
    # the special notes of each group (特記事項), optional; quoted when they hold a comma or a quote
    *NOTE_COLUMNS,
)
HEADER = header_of(COLUMNS)
LAYOUT = FileLayout(COLUMNS)
ITEM_POSITION = 4  # the first item's column (0-based)
NOTE_POSITION = ITEM_POSITION + len(CODES)
NOTE_MAX = 2000  # characters of one group's special notes
MAX_LINE_BYTES = 64 * 1024
