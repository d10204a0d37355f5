"""Every feed's file ends with a trailer (kaigo.feeds.FileLayout): a file cut short, run together
with another, or whose trailer disagrees with its lines is refused whole (issue 17, items 7 and
10). One table of bad files, built from each feed's documented sample (docs/subsystems/*-feed.md),
read by each feed's own parser: the whole file is refused with one file-level error, no record."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from eligibility.intake.format import LAYOUT as REGISTRY_LAYOUT
from eligibility.intake.parser import parse_feed
from kaigo.feeds import TRAILER_MARK, FileLayout
from premiums.intake.payment_feed.format import LAYOUT as PAYMENT_LAYOUT
from premiums.intake.payment_feed.parser import parse_payment_file
from premiums.intake.pension_feed.format import LAYOUT as PENSION_LAYOUT
from premiums.intake.pension_feed.parser import parse_pension_file
from premiums.intake.tax_feed.format import LAYOUT as TAX_LAYOUT
from premiums.intake.tax_feed.parser import parse_tax_file

DOCS = Path(__file__).resolve().parents[2] / "docs/subsystems"


def sample(doc: str, marker: str = "") -> str:
    text = (DOCS / doc).read_text(encoding="utf-8")
    return re.search(rf"<!-- sample:start{re.escape(marker)} -->\n```csv\n(.*?)```\n<!-- sample:end -->", text,
                     re.DOTALL)[1]


@dataclass(frozen=True)
class Feed:
    layout: FileLayout
    text: str  # the documented sample: header, lines, trailer, each ended by LF
    parse: Callable[[bytes], object]


FEEDS = {
    "registry": Feed(REGISTRY_LAYOUT, sample("registry-feed.md"), lambda d: parse_feed(d, today=date(2026, 4, 6))),
    "tax": Feed(TAX_LAYOUT, sample("tax-feed.md"), lambda d: parse_tax_file(d, fiscal_year=2026)),
    "pension-00": Feed(PENSION_LAYOUT, sample("pension-feed.md", " notice=00 month=2026-05"),
                       lambda d: parse_pension_file(d, notice="00", month=(2026, 5))),
    "pension-10": Feed(PENSION_LAYOUT, sample("pension-feed.md", " notice=10 month=2026-10"),
                       lambda d: parse_pension_file(d, notice="10", month=(2026, 10))),
    "payment": Feed(PAYMENT_LAYOUT, sample("payment-feed.md", " today=2026-08-03"),
                    lambda d: parse_payment_file(d, today=date(2026, 8, 3))),
}


def parts(feed: Feed) -> tuple[str, list[str], str]:
    header, *lines, trailer, end = feed.text.split("\n")
    assert end == "" and trailer.startswith(TRAILER_MARK)
    return header, lines, trailer


def joined(*lines: str) -> bytes:
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


def trailer_with(feed: Feed, *, count: int | None = None, total: int | None = None) -> str:
    trailer = parts(feed)[2]
    fields = trailer.split(",")
    if count is not None:
        fields[1] = str(count)
    if total is not None:
        fields[2] = str(total)
    return ",".join(fields)


# bad file name -> (the file from a feed, the code, the line it names: "last" = the file's last line)
Line = int | str | Callable[[Feed], int]
BAD_FILES: dict[str, tuple[Callable[[Feed], bytes], str, Line]] = {
    "empty": (lambda f: b"", "empty_file", 1),
    "shift-jis": (lambda f: f.text.encode("cp932"), "encoding", 1),  # the header is Japanese
    "bom": (lambda f: b"\xef\xbb\xbf" + f.text.encode("utf-8"), "bom", 1),
    "header-only": (lambda f: joined(parts(f)[0]), "trailer_missing", 1),
    "trailer-missing": (lambda f: joined(parts(f)[0], *parts(f)[1]), "trailer_missing", "last"),
    "cut-at-a-line-end": (lambda f: joined(parts(f)[0], *parts(f)[1][:-2]), "trailer_missing", "last"),
    "cut-mid-record": (lambda f: "\n".join([parts(f)[0], *parts(f)[1]])[:-5].encode("utf-8"),
                       "trailer_missing", "last"),
    "cut-inside-the-trailer": (lambda f: f.text[:-1 - len(parts(f)[2]) // 2].encode("utf-8"),
                               "trailer_unterminated", "last"),
    "trailer-without-line-break": (lambda f: f.text.encode("utf-8")[:-1], "trailer_unterminated", "last"),
    "count-too-high": (lambda f: joined(parts(f)[0], *parts(f)[1], trailer_with(f, count=len(parts(f)[1]) + 1)),
                       "trailer_count", "last"),
    "count-too-low-a-line-added": (lambda f: joined(parts(f)[0], *parts(f)[1], parts(f)[1][0], parts(f)[2]),
                                   "trailer_count", "last"),
    "trailer-not-a-number": (lambda f: joined(parts(f)[0], *parts(f)[1], f"{TRAILER_MARK},十件"),
                             "trailer_invalid", "last"),
    "trailer-fields-missing": (lambda f: joined(parts(f)[0], *parts(f)[1], TRAILER_MARK), "trailer_invalid", "last"),
    "two-files-run-together": (lambda f: joined(parts(f)[0], *parts(f)[1], parts(f)[2], *parts(f)[1], parts(f)[2]),
                               "trailer_misplaced", lambda f: len(parts(f)[1]) + 2),
}
AMOUNT_FILES: dict[str, tuple[Callable[[Feed], bytes], str, Line]] = {
    "total-wrong": (lambda f: joined(parts(f)[0], *parts(f)[1], trailer_with(
        f, total=int(parts(f)[2].split(",")[2]) + 1)), "trailer_total", "last"),
    "an-amount-changed": (lambda f: joined(parts(f)[0], *[_amount_plus_one(f, line) for line in parts(f)[1]][:1],
                                           *parts(f)[1][1:], parts(f)[2]), "trailer_total", "last"),
}


def _amount_plus_one(feed: Feed, line: str) -> str:
    values = line.split(",")
    for position in feed.layout.amount_positions:
        if re.fullmatch(r"-?[0-9]+", values[position]):
            values[position] = str(int(values[position]) + 1)
            return ",".join(values)
    raise AssertionError("the sample's first line has no amount")


CASES = [pytest.param(feed, *case, id=f"{name}-{bad}") for name, feed in FEEDS.items()
         for bad, case in BAD_FILES.items()]
CASES += [pytest.param(feed, *case, id=f"{name}-{bad}") for name, feed in FEEDS.items() if feed.layout.amounts
          for bad, case in AMOUNT_FILES.items()]


@pytest.mark.parametrize("feed,make,code,line_no", CASES)
def test_a_bad_file_is_refused_whole_with_one_error_naming_the_line(feed, make, code, line_no):
    data = make(feed)
    parsed = feed.parse(data)
    last = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    assert parsed.rejected and parsed.records == []
    expected = line_no(feed) if callable(line_no) else last if line_no == "last" else line_no
    assert [(e.code, e.line_no) for e in parsed.errors] == [(code, expected)]
    assert "ファイル" in parsed.errors[0].message


@pytest.mark.parametrize("name", list(FEEDS))
def test_the_documented_sample_carries_a_trailer_that_agrees(name):
    feed = FEEDS[name]
    header, lines, trailer = parts(feed)
    assert header == feed.layout.header and trailer == feed.layout.trailer(lines)
    parsed = feed.parse(feed.text.encode("utf-8"))
    assert not parsed.rejected and parsed.total_lines == len(lines) == int(trailer.split(",")[1])


@pytest.mark.parametrize("name", list(FEEDS))
def test_a_bad_line_is_still_a_line_error_and_counts_in_the_trailer(name):
    """The trailer is the sender's count of what it wrote: a line the parser refuses (here a line
    with a field missing) is counted and added up as written, and refused alone."""
    feed = FEEDS[name]
    header, lines, _ = parts(feed)
    broken = ",".join(lines[0].split(",")[:-1])  # a copy of the first line, a field short
    data = joined(header, *lines, broken, feed.layout.trailer([*lines, broken]))
    parsed = feed.parse(data)
    assert not parsed.rejected
    assert [(e.line_no, e.code) for e in parsed.errors] == [(len(lines) + 2, "field_count")]
    assert len(parsed.records) == len(lines)


def test_the_total_counts_signed_amounts_and_ignores_what_is_not_a_number():
    layout = TAX_LAYOUT
    index = layout.amount_positions[0]

    def line(amount: str) -> str:
        values = [""] * len(layout.columns)
        values[index] = amount
        return ",".join(values)

    assert layout.trailer([line("-1200"), line("5000"), line("12万"), line(""), '"a,b"']) == f"{TRAILER_MARK},5,3800"
    assert REGISTRY_LAYOUT.trailer(["x", "y"]) == f"{TRAILER_MARK},2"
