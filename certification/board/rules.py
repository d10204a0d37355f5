"""The review board (介護認定審査会, DOMAIN.md 3.7): its members' terms, its panels (合議体), the
quorum of a session, the capacity of a session and what the board materials may say of a case.
Pure functions, no database; the dated values are tables below.

The law:
- 介護保険法 §14: the municipality sets up the board (認定審査会).
- 法 §15 第1項: the number of members is set by 条例 following the 政令's standard; 第2項: the
  members are appointed by the mayor (市町村長が任命) from persons of learning and experience in
  health, medicine or welfare (保健、医療又は福祉に関する学識経験を有する者).
- 施行令 §5: the standard of the number of members (the panels times the panel's size).
- 施行令 §6 第1項: a member's term is 2 years, or, where the 条例 sets it, more than 2 and at most
  3 years; a substitute (補欠の委員) serves the rest of the predecessor's term; 第2項: reappointment
  is allowed.
- 施行令 §9 第1項: the board works in panels (合議体) of members named by its chair (会長);
  第2項: a panel's size is set by the municipality with 5 as the standard (五人を標準として). A
  panel of fewer than 5 (never below 3) where the quality of the judgment is kept, e.g. a panel of
  renewals: 「介護認定審査会の運営について」(平成21年9月30日 老発0930第6号), DOMAIN.md 3.7 [K?].
- 施行令 §9 (合議体の定足数): a panel may neither meet nor decide unless a majority (過半数) of its
  members attend. (The brief named 第2項; our reading of the text puts the quorum in 第4項, after
  the size (第2項) and the panel's head (第3項): to be confirmed against the e-Gov text.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models


class MemberField(models.TextChoices):
    """The field of learning of a member (法 §15 第2項: 保健、医療又は福祉)."""

    HEALTH = "health", "保健"
    MEDICAL = "medical", "医療"
    WELFARE = "welfare", "福祉"


# --- terms -------------------------------------------------------------------------------------------

# (first day, the term in years set by the city's 条例): 施行令 §6 第1項 (2 years; a 条例 may set more
# than 2 and at most 3). A change of the 条例 is a new row from its effective day, never an edit.
TERM_YEARS: tuple[tuple[date, int], ...] = (
    (date(2000, 4, 1), 2),
)
LEGAL_TERM_YEARS = 2  # 施行令 §6 第1項 本文
LONGEST_TERM_YEARS = 3  # 施行令 §6 第1項 括弧書: 条例 may set up to 3 years


def term_years(on: date, table: tuple[tuple[date, int], ...] = TERM_YEARS) -> int:
    """The term of a member appointed on ``on`` (施行令 §6 第1項, the city's 条例 in ``table``)."""
    years = None
    for first, value in table:
        if first <= on:
            years = value
    if years is None:
        raise ValueError("no term length for that day")
    if not LEGAL_TERM_YEARS <= years <= LONGEST_TERM_YEARS:
        raise ValueError("a term is 2 years, or at most 3 by 条例 (施行令 第6条第1項)")
    return years


def term_end(start: date, *, years: int) -> date:
    """The last day of a term of ``years`` starting on ``start`` (民法 §143 第2項: a period in years
    ends on the day before the same date of the last year, the first day counting because the term
    runs from its start; ただし書: with no such date, 29 February, on the last day of that month)."""
    try:
        return start.replace(year=start.year + years) - timedelta(days=1)
    except ValueError:
        return date(start.year + years, 2, 28)


def term_problems(start: date, end: date, *, predecessor_end: date | None = None,
                  table: tuple[tuple[date, int], ...] = TERM_YEARS) -> list[str]:
    """What is wrong with a member's term (start and last day), or [] (施行令 §6 第1項): it must not
    be longer than the term of the 条例 in force at its start; a substitute (補欠, ``predecessor_end``)
    serves at most to the predecessor's last day."""
    problems = []
    if end < start:
        return ["任期の終了日は開始日以後の日付を入力してください。"]
    years = term_years(start, table)
    longest = term_end(start, years=years)
    if predecessor_end is not None:
        if end > predecessor_end:
            problems.append("補欠の委員の任期は前任者の残任期間です（介護保険法施行令第6条第1項ただし書）。")
    elif end > longest:
        problems.append(f"委員の任期は{years}年以内です（介護保険法施行令第6条第1項）。")
    return problems


def term_covers(start: date, end: date, day: date, ended_on: date | None = None) -> bool:
    """Whether a member may sit on ``day``: within the term and not resigned before it."""
    return start <= day <= end and (ended_on is None or day < ended_on)


# --- panels ------------------------------------------------------------------------------------------

STANDARD_PANEL_SIZE = 5  # 施行令 §9 第2項: 五人を標準として
SMALLEST_PANEL_SIZE = 3  # 老発0930第6号 (DOMAIN.md 3.7): fewer than 5, never below 3
LARGEST_PANEL_SIZE = 9  # a practical bound of the screen (cities' 規則 set 5 to 9)


def panel_size_problems(size: int, *, reduced_reason: str = "") -> list[str]:
    """What is wrong with a panel's size (定数): 施行令 §9 第2項 (5 as the standard); fewer than 5
    only with the reason the quality is kept (e.g. a panel of renewals) and never below 3."""
    if size < SMALLEST_PANEL_SIZE:
        return [f"合議体の委員の定数は{SMALLEST_PANEL_SIZE}人以上です（介護保険法施行令第9条第2項、5人が標準）。"]
    if size > LARGEST_PANEL_SIZE:
        return [f"合議体の委員の定数は{LARGEST_PANEL_SIZE}人以下で設定してください。"]
    if size < STANDARD_PANEL_SIZE and not reduced_reason.strip():
        return [("委員の定数を5人より少なくする場合は、その理由（更新申請を主に取り扱う等、審査判定の質が確保される理由）を"
                "入力してください（介護保険法施行令第9条第2項）。")]
    return []


def quorum(members: int) -> int:
    """The smallest attendance at which a panel of ``members`` may meet and decide: a majority
    (過半数, more than half) of its members (施行令 §9, 合議体の定足数)."""
    if members < 1:
        raise ValueError("a panel has members")
    return members // 2 + 1


@dataclass(frozen=True)
class Seat:
    """A member as a session's check sees them: their panel, term and resignation."""

    member_id: int
    panel_id: int | None
    term_start: date
    term_end: date
    ended_on: date | None = None


def session_problems(*, panel_id: int, panel_members: Iterable[Seat], attending: Iterable[Seat],
                     held_on: date) -> list[str]:
    """What forbids a session of the panel on ``held_on`` with ``attending``, or []: every attendant
    is a member of the panel whose term covers the day (法 §15 第2項, 施行令 §6), and they are a
    majority of the panel's members on that day (施行令 §9, 過半数). ``panel_members``: the panel's
    members (every one; those whose term does not cover the day are not counted)."""
    problems = []
    sitting = {s.member_id for s in panel_members
               if s.panel_id == panel_id and term_covers(s.term_start, s.term_end, held_on, s.ended_on)}
    attending = list(attending)
    if any(s.panel_id != panel_id for s in attending):
        problems.append("この合議体に属さない委員は出席できません（介護保険法施行令第9条第1項）。")
    if any(not term_covers(s.term_start, s.term_end, held_on, s.ended_on) for s in attending):
        problems.append("開催日に任期中でない委員は出席できません（介護保険法施行令第6条）。")
    if not sitting:
        problems.append("開催日に任期中の委員がこの合議体にいません。")
        return problems
    present = len({s.member_id for s in attending} & sitting)
    needed = quorum(len(sitting))
    if present < needed:
        problems.append(f"出席委員が定足数に足りません：合議体の委員{len(sitting)}人の過半数（{needed}人以上）の出席が必要です"
                        f"（出席予定{present}人、介護保険法施行令第9条）。")
    return problems


# --- sessions and cases ------------------------------------------------------------------------------

# (first day, the cases one session takes at most): the office's practice (30 to 40 cases a session
# of about two hours), data, not law.
SESSION_CAPACITY: tuple[tuple[date, int], ...] = (
    (date(2000, 4, 1), 35),
)
LARGEST_CAPACITY = 60


def default_capacity(on: date, table: tuple[tuple[date, int], ...] = SESSION_CAPACITY) -> int:
    value = None
    for first, cases in table:
        if first <= on:
            value = cases
    if value is None:
        raise ValueError("no session capacity for that day")
    return value


def age_band(birth_date: date, on: date) -> str:
    """The age band the board materials print instead of the birth date: 「80歳代」 (40歳代 for a
    第2号 applicant of 40 to 49): the age in full years on ``on`` (年齢計算ニ関スル法律)."""
    age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    if age < 0:
        raise ValueError("born after the day")
    if age >= 100:
        return "100歳以上"
    return f"{age // 10 * 10}歳代"
