"""The resident registry's daily change file (住基異動ファイル): columns, codes and the fields each
kind of change carries. Documented for people in docs/subsystems/registry-feed.md; parser.py reads
this layout and linkage/registry/simulator.py writes it. No database here. The municipality codes
(全国地方公共団体コード, with the city's own) are reference data in eligibility/codes.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from eligibility.codes import ABROAD_CODE
from kaigo.feeds import Column, FileLayout, line_encode  # noqa: F401  (line_encode: re-exported for the simulator and tests)


class KindOfChange(models.TextChoices):
    """異動事由. A = the person enters the registry (記載), B = leaves it (消除), C = changes (修正)."""

    MOVE_IN = "A1", "転入"
    BIRTH = "A2", "出生"
    EX_OFFICIO_ENTRY = "A3", "職権記載"
    MOVE_OUT = "B1", "転出"
    DEATH = "B2", "死亡"
    EX_OFFICIO_REMOVAL = "B3", "職権消除"
    MOVE_WITHIN = "C1", "転居"
    NAME_CHANGE = "C2", "氏名変更"
    HOUSEHOLD_CHANGE = "C3", "世帯変更"
    CORRECTION = "C4", "訂正"


COLUMNS: tuple[Column, ...] = (
    Column("異動連番", "serial"),
    Column("異動事由", "kind"),
    Column("異動日", "effective_on"),
    Column("届出日", "notified_on"),
    Column("宛名番号", "person_id"),
    Column("世帯番号", "household_id"),
    Column("続柄", "relation"),
    Column("個人番号", "my_number"),
    Column("氏名", "name_kanji"),
    Column("氏名カナ", "name_kana"),
    Column("性別", "sex"),
    Column("生年月日", "birth_date"),
    Column("区", "ward"),
    Column("住所", "address"),
    Column("前住所市町村コード", "from_municipality"),
    Column("転出先市町村コード", "to_municipality"),
    Column("施設コード", "facility_code"),
)
HEADER = ",".join(c.label for c in COLUMNS)
# The file: header, lines, trailer (count only: the file carries no amounts; kaigo/feeds.py).
LAYOUT = FileLayout(COLUMNS)
LABELS = {c.attr: c.label for c in COLUMNS}
ATTRS = tuple(c.attr for c in COLUMNS)


@dataclass(frozen=True)
class KindRule:
    required: frozenset[str]
    optional: frozenset[str] = frozenset()


# Every line identifies the person: the change serial, its kind and date, the resident number and
# the birth date (a cross-check of the number for the intake).
ALWAYS = frozenset({"serial", "kind", "effective_on", "person_id", "birth_date"})
_PERSON = frozenset({"household_id", "relation", "name_kanji", "name_kana", "sex", "ward", "address"})

KIND_RULES: dict[str, KindRule] = {
    KindOfChange.MOVE_IN: KindRule(
        _PERSON | {"notified_on", "from_municipality"}, frozenset({"my_number", "facility_code"})),
    KindOfChange.BIRTH: KindRule(_PERSON | {"notified_on"}, frozenset({"my_number"})),
    KindOfChange.EX_OFFICIO_ENTRY: KindRule(
        _PERSON, frozenset({"notified_on", "my_number", "from_municipality", "facility_code"})),
    KindOfChange.MOVE_OUT: KindRule(frozenset({"notified_on", "to_municipality"}), frozenset({"facility_code"})),
    KindOfChange.DEATH: KindRule(frozenset({"notified_on"})),
    KindOfChange.EX_OFFICIO_REMOVAL: KindRule(frozenset(), frozenset({"notified_on"})),
    KindOfChange.MOVE_WITHIN: KindRule(
        frozenset({"notified_on", "ward", "address"}), frozenset({"household_id", "relation", "facility_code"})),
    KindOfChange.NAME_CHANGE: KindRule(frozenset({"notified_on", "name_kanji", "name_kana"})),
    KindOfChange.HOUSEHOLD_CHANGE: KindRule(frozenset({"notified_on", "household_id", "relation"})),
    KindOfChange.CORRECTION: KindRule(frozenset(), frozenset(
        {"notified_on", "household_id", "relation", "my_number", "name_kanji", "name_kana", "sex", "ward", "address",
         "facility_code"})),
}
# Fields that come together or not at all (where a kind makes them optional).
PAIRS: tuple[tuple[str, str], ...] = (("household_id", "relation"), ("name_kanji", "name_kana"), ("ward", "address"))
# The notification follows the change (a move-out may be notified before it happens; ex-officio
# entries and corrections have no notification of their own).
NOTIFIED_AFTER_EFFECTIVE = frozenset({
    KindOfChange.MOVE_IN, KindOfChange.BIRTH, KindOfChange.DEATH, KindOfChange.MOVE_WITHIN,
    KindOfChange.NAME_CHANGE, KindOfChange.HOUSEHOLD_CHANGE,
})

# An effective date more than this many days after the business date is rejected (a move-out may be
# notified up to about two weeks ahead of the move).
FUTURE_DAYS = 31
EARLIEST_YEAR = 1900

# 全国地方公共団体コード (eligibility.codes.municipality_code): five digits and a check digit.
# 999999 (not a valid code: the check digit of 99999 is 7) means abroad (国外): a 転出 there loses
# qualification on the day after, a 転出 to another municipality on the day itself (法 §11).
ABROAD = ABROAD_CODE
