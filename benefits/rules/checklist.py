"""The basic checklist (基本チェックリスト) and who becomes a project participant (事業対象者).

Law: 介護保険法 §115の45 第1項第1号 (介護予防・生活支援サービス事業) is for 「居宅要支援被保険者その他の
厚生労働省令で定める被保険者」; 介護保険法施行規則 第140条の62の4 names them: a first-class insured
(第1号被保険者) who meets the standard the Minister sets (第2号; the 基準 is the MHLW notice
(告示, 平成27年厚生労働省告示第197号 [K: number to confirm]) whose 様式第一 is the checklist below),
and the 継続利用要介護者 the city allows (not handled here). The 25 questions, the answer that counts
(「該当」) for each, and the seven criteria are those of that notice as reproduced in the
地域支援事業実施要綱 / 介護予防・日常生活支援総合事業ガイドライン and explained item by item in the MHLW's
「基本チェックリストの考え方」:

  ① No.1-20 の20項目のうち10項目以上に該当（複数の項目に支障）
  ② No.6-10 の5項目のうち3項目以上に該当（運動機能の低下）
  ③ No.11-12 の2項目のすべてに該当（低栄養状態）
  ④ No.13-15 の3項目のうち2項目以上に該当（口腔機能の低下）
  ⑤ No.16 に該当（閉じこもり）
  ⑥ No.18-20 の3項目のうちいずれか1項目以上に該当（認知機能の低下）
  ⑦ No.21-25 の5項目のうち2項目以上に該当（うつ病の可能性）
  （注）「該当」（No.12 を除く）とは回答欄の「1.はい」又は「1.いいえ」に該当すること。No.12 は
  BMI＝体重(kg)÷身長(m)÷身長(m) が 18.5 未満の場合に該当とする。

These agree with DOMAIN.md 5.2 item for item (its ① to ⑦ and its scoring directions: 「いいえ」 counts
for No.1-8, 16, 19, 「はい」 for the rest, No.12 by BMI < 18.5). No.17 (外出の回数の減少) belongs to the
閉じこもり domain but is in no criterion except ①.

Answers are recorded as the person answered: 1 = 「はい」, 0 = 「いいえ」. No.12 is not asked: it is
answered 「はい」 (該当) when the BMI from the height and weight is below 18.5, computed in Decimal.
Pure functions; no database.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

YES, NO = 1, 0
ITEM_COUNT = 25
BMI_THRESHOLD = Decimal("18.5")  # No.12: 「18.5未満」


@dataclass(frozen=True)
class Item:
    number: int
    question: str
    risk_answer: int  # the answer that counts as 該当 (YES or NO)
    domain: str


ITEMS: tuple[Item, ...] = (
    Item(1, "バスや電車で1人で外出していますか", NO, "生活機能"),
    Item(2, "日用品の買い物をしていますか", NO, "生活機能"),
    Item(3, "預貯金の出し入れをしていますか", NO, "生活機能"),
    Item(4, "友人の家を訪ねていますか", NO, "生活機能"),
    Item(5, "家族や友人の相談にのっていますか", NO, "生活機能"),
    Item(6, "階段を手すりや壁をつたわらずに昇っていますか", NO, "運動機能"),
    Item(7, "椅子に座った状態から何もつかまらずに立ち上がっていますか", NO, "運動機能"),
    Item(8, "15分位続けて歩いていますか", NO, "運動機能"),
    Item(9, "この1年間に転んだことがありますか", YES, "運動機能"),
    Item(10, "転倒に対する不安は大きいですか", YES, "運動機能"),
    Item(11, "6ヵ月間で2～3kg以上の体重減少がありましたか", YES, "栄養状態"),
    Item(12, "身長・体重（BMI 18.5未満）", YES, "栄養状態"),
    Item(13, "半年前に比べて固いものが食べにくくなりましたか", YES, "口腔機能"),
    Item(14, "お茶や汁物等でむせることがありますか", YES, "口腔機能"),
    Item(15, "口の渇きが気になりますか", YES, "口腔機能"),
    Item(16, "週に1回以上は外出していますか", NO, "閉じこもり"),
    Item(17, "昨年と比べて外出の回数が減っていますか", YES, "閉じこもり"),
    Item(18, "周りの人から「いつも同じ事を聞く」などの物忘れがあると言われますか", YES, "認知機能"),
    Item(19, "自分で電話番号を調べて、電話をかけることをしていますか", NO, "認知機能"),
    Item(20, "今日が何月何日かわからない時がありますか", YES, "認知機能"),
    Item(21, "（ここ2週間）毎日の生活に充実感がない", YES, "こころ"),
    Item(22, "（ここ2週間）これまで楽しんでやれていたことが楽しめなくなった", YES, "こころ"),
    Item(23, "（ここ2週間）以前は楽にできていたことが今ではおっくうに感じられる", YES, "こころ"),
    Item(24, "（ここ2週間）自分が役に立つ人間だと思えない", YES, "こころ"),
    Item(25, "（ここ2週間）わけもなく疲れたような感じがする", YES, "こころ"),
)
BMI_ITEM = 12
ASKED = tuple(i.number for i in ITEMS if i.number != BMI_ITEM)  # the 24 questions put to the person


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str  # as the notice names it
    first: int
    last: int
    at_least: int  # 該当 items needed among first..last


CRITERIA: tuple[Criterion, ...] = (
    Criterion("multiple", "複数の項目に支障（問1～20のうち10項目以上）", 1, 20, 10),
    Criterion("motor", "運動機能の低下（問6～10のうち3項目以上）", 6, 10, 3),
    Criterion("nutrition", "低栄養状態（問11・12の2項目すべて）", 11, 12, 2),
    Criterion("oral", "口腔機能の低下（問13～15のうち2項目以上）", 13, 15, 2),
    Criterion("housebound", "閉じこもり（問16に該当）", 16, 16, 1),
    Criterion("cognitive", "認知機能の低下（問18～20のうち1項目以上）", 18, 20, 1),
    Criterion("depression", "うつ病の可能性（問21～25のうち2項目以上）", 21, 25, 2),
)
CRITERION_LABELS = {c.key: c.label for c in CRITERIA}


def bmi(height_cm: Decimal, weight_kg: Decimal) -> Decimal:
    """体重(kg) ÷ 身長(m) ÷ 身長(m), exact in Decimal (the notice's (注) to 問12)."""
    metres = Decimal(height_cm) / 100
    return Decimal(weight_kg) / metres / metres


def bmi_answer(height_cm: Decimal, weight_kg: Decimal) -> int:
    """問12: YES (該当) when the BMI is below 18.5 (「18.5未満」: exactly 18.5 is not 該当)."""
    return YES if bmi(height_cm, weight_kg) < BMI_THRESHOLD else NO


def answer_problems(answers: dict[int, object]) -> list[str]:
    """The Japanese refusals of the answers to the 24 questions (問12 comes from height and
    weight): each missing answer and each answer other than 1 (はい) or 0 (いいえ), by item number."""
    problems = []
    for number in ASKED:
        value = answers.get(number)
        if value is None or value == "":
            problems.append(f"問{number}の回答がありません。「はい」か「いいえ」を選んでください。")
        elif value not in (YES, NO) or isinstance(value, bool):
            problems.append(f"問{number}の回答は「はい」（1）か「いいえ」（0）で入力してください。")
    extra = sorted(k for k in answers if k not in ASKED)
    if extra:
        problems.append("問" + "、問".join(str(k) for k in extra) + "は回答を入力する項目ではありません"
                        "（問12は身長・体重から判定します）。")
    return problems


def risk_flags(answers: dict[int, int]) -> dict[int, bool]:
    """For every item 1-25: whether the answer is the one that counts (該当). ``answers`` holds all
    25 answers (問12 already from the BMI)."""
    return {item.number: answers[item.number] == item.risk_answer for item in ITEMS}


def matched_criteria(answers: dict[int, int]) -> list[str]:
    """The keys of the criteria (① to ⑦, in that order) the 25 answers meet; a person meeting any
    one is a 事業対象者 (施行規則 第140条の62の4 第2号 and the notice's criteria)."""
    flags = risk_flags(answers)
    return [c.key for c in CRITERIA
            if sum(flags[n] for n in range(c.first, c.last + 1)) >= c.at_least]


def risk_count(answers: dict[int, int], first: int = 1, last: int = 25) -> int:
    """How many of items ``first``..``last`` are 該当."""
    flags = risk_flags(answers)
    return sum(flags[n] for n in range(first, last + 1))


def answers_encode(answers: dict[int, int]) -> str:
    """The 25 answers as stored: a string of 25 '1'/'0', 問1 first."""
    return "".join(str(answers[n]) for n in range(1, ITEM_COUNT + 1))


def answers_decode(stored: str) -> dict[int, int]:
    return {n: int(ch) for n, ch in enumerate(stored, start=1)}


# --- validity of the participant status ------------------------------------------------------------

@dataclass(frozen=True)
class ValidityRule:
    """How long the city makes a participant status last, from ``valid_from`` (a date of the city's
    own rule); ``months`` None: no end (reviewed at each care-plan review). No statute sets a
    validity for 事業対象者 (DOMAIN.md 5.2 [K]); it is the city's choice (CONFIG), dated data."""

    valid_from: date
    months: int | None


# The city's rule, dated (CONFIG; 川崎市's practice not verified: no end, as DOMAIN.md 5.2 describes
# the national default). A city that sets one adds a row from the day its rule starts.
PARTICIPANT_VALIDITY: tuple[ValidityRule, ...] = (ValidityRule(date(2015, 4, 1), None),)


def validity_rule_on(day: date, table: tuple[ValidityRule, ...] = PARTICIPANT_VALIDITY) -> ValidityRule:
    """The rule in force on ``day`` (the latest row starting on or before it)."""
    rows = [r for r in table if r.valid_from <= day]
    if not rows:
        raise ValueError("no participant validity rule in force on that day")
    return max(rows, key=lambda r: r.valid_from)


def participant_valid_to(start: date, table: tuple[ValidityRule, ...] = PARTICIPANT_VALIDITY) -> date | None:
    """The last day of a participant status starting on ``start`` under the city's rule on that
    day: None when the rule sets no end; else the day before the same day ``months`` later
    (民法 第143条 第2項, periods counted in months: the day before the corresponding day; when that
    month has no corresponding day, its last day: from 1/31, one month ends 2/28 or 2/29)."""
    months = validity_rule_on(start, table).months
    if months is None:
        return None
    total = start.month - 1 + months
    year, month = start.year + total // 12, total % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    end = date(year, month, day)
    if day < start.day:  # the anniversary does not exist: the period ends on the month's last day
        return end
    return end - timedelta(days=1)
