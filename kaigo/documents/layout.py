"""Drawing helpers: labelled boxes on an A4 page, with text that shrinks and wraps to stay inside.

Units are PDF points (1/72 inch). Nothing here knows about a particular document.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from . import fonts

MM = 72 / 25.4
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 15 * MM
MARGIN_TOP = 13 * MM
MARGIN_BOTTOM = 12 * MM
LABEL_WIDTH = 46 * MM
LEADING = 1.2  # line height / font size
ASCENT = 0.88  # of IPAexGothic, per font size
PADDING = 3.0
SMALLEST_SIZE = 3.0  # below this, text is cut with an ellipsis rather than drawn smaller
SIZE_STEP = 0.5
LABEL_FILL = 0.91  # grey of the label boxes
LINE_WIDTH = 0.6

# Japanese line-breaking rules (禁則): no line starts with closing marks or small kana, and no
# line ends with an opening bracket.
NO_LINE_START = set("、。，．,.)）]］」』】〕〉》ー－・：；？！!?ゝゞヽヾ々ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ")
NO_LINE_END = set("(（[［「『【〔〈《")


@dataclass(frozen=True)
class Fitted:
    size: float
    lines: tuple[str, ...]

    @property
    def leading(self) -> float:
        return self.size * LEADING


def wrap(text: str, width: float, size: float) -> list[str]:
    """Greedy line breaking by character widths (Japanese has no spaces), with simple 禁則."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line: list[str] = []
        used = 0.0
        for ch in paragraph:
            w = fonts.char_width(ch, size)
            if line and used + w > width:
                carry: list[str] = []
                if ch in NO_LINE_START and len(line) > 1:
                    carry.insert(0, line.pop())
                while len(line) > 1 and line[-1] in NO_LINE_END:
                    carry.insert(0, line.pop())
                lines.append("".join(line).rstrip())
                line = carry
                used = sum(fonts.char_width(c, size) for c in line)
                if ch == " " and not line:
                    continue  # no leading space on a new line
            line.append(ch)
            used += w
        lines.append("".join(line).rstrip())
    while lines and not lines[-1]:
        lines.pop()
    return lines


def fit_text(text: str, width: float, height: float, size: float) -> Fitted:
    """The largest size (at most `size`) at which text, wrapped to width, fits in height.

    Never overflows: below SMALLEST_SIZE the last line that fits is cut and ends with an ellipsis."""
    text = "\n".join(fonts.printable(part).strip() for part in text.strip().split("\n"))
    if not text:
        return Fitted(size, ())
    current = size
    while current >= SMALLEST_SIZE:
        lines = wrap(text, width, current)
        if len(lines) * current * LEADING <= height or (len(lines) == 1 and current <= height):
            return Fitted(current, tuple(lines))
        current -= SIZE_STEP
    current = SMALLEST_SIZE
    lines = wrap(text, width, current)
    keep = max(1, int(height // (current * LEADING)))
    if len(lines) > keep:
        last = lines[keep - 1]
        while last and fonts.text_width(last + "…", current) > width:
            last = last[:-1]
        lines = lines[: keep - 1] + [last + "…"]
    return Fitted(current, tuple(lines))


@dataclass(frozen=True)
class Cell:
    """One box of a row. width 0 = the rest of the row."""

    text: str = ""
    width: float = 0.0
    label: bool = False
    size: float = 10.5
    align: str = "left"  # "left", "center" or "right"


class Form:
    """Pages drawn from the top down: title, rows of boxes, paragraphs.

    By default a document is one page and a layout that does not fit raises (``overflow="raise"``:
    a layout bug, never data). With ``overflow="new_page"`` a row that does not fit starts a new
    page instead. Several documents can share one canvas (batch printing: one embedded font subset
    for the whole file): ``start_document`` begins each on a new page, with its own running footer
    drawn at the bottom of each of its pages (continuation pages numbered 「（2枚目）」).
    """

    def __init__(self, *, title: str, overflow: str = "raise") -> None:
        if overflow not in ("raise", "new_page"):
            raise ValueError("overflow must be 'raise' or 'new_page'")
        self.overflow = overflow
        self.running_footer = ""
        self.document_page = 1
        self._documents = 0
        self.buffer = io.BytesIO()
        self.canvas = Canvas(
            self.buffer,
            pagesize=A4,
            initialFontName=fonts.font().fontName,
            initialFontSize=10,
            pageCompression=1,
        )
        # Metadata: the kind of document only, never anything about the person.
        self.canvas.setTitle(title)
        self.canvas.setAuthor("")
        self.canvas.setSubject("")
        self.canvas.setKeywords("")
        self.canvas.setCreator("kaigo")
        self.canvas.setLineWidth(LINE_WIDTH)
        self.left = MARGIN_X
        self.right = PAGE_WIDTH - MARGIN_X
        self.top = PAGE_HEIGHT - MARGIN_TOP
        self.y = self.top

    # -- text -------------------------------------------------------------------------
    def text_in_box(self, text: str, x: float, top: float, width: float, height: float, *,
                    size: float, align: str = "left", bold: bool = False) -> Fitted:
        fitted = fit_text(text, width - 2 * PADDING, height - 2 * PADDING, size)
        if not fitted.lines:
            return fitted
        c = self.canvas
        block = len(fitted.lines) * fitted.leading
        first_top = top - (height - block) / 2
        for i, line in enumerate(fitted.lines):
            baseline = first_top - i * fitted.leading - (fitted.leading - fitted.size) / 2 - fitted.size * ASCENT
            if align == "center":
                lx = x + (width - fonts.text_width(line, fitted.size)) / 2
            elif align == "right":
                lx = x + width - PADDING - fonts.text_width(line, fitted.size)
            else:
                lx = x + PADDING
            t = c.beginText(lx, baseline)
            t.setFont(fonts.FONT_NAME, fitted.size)
            if bold:  # the font has no bold face: fill and stroke the outlines
                t.setTextRenderMode(2)
            t.textOut(line)
            c.drawText(t)
        return fitted

    # -- structure ----------------------------------------------------------------------
    def need(self, height: float) -> None:
        """Room for ``height`` below the current position: else a new page (``overflow="new_page"``)
        or RuntimeError. Calling it for a group of rows keeps them together on one page."""
        if self.y - height >= MARGIN_BOTTOM - 0.01:
            return
        if self.overflow == "raise" or height > self.top - MARGIN_BOTTOM:
            raise RuntimeError("layout does not fit on one page")  # a programming error, never data
        self.new_page()

    def new_page(self) -> None:
        """End the current page (with the running footer) and continue the document on the next."""
        self._close_page()
        self.canvas.showPage()
        self.canvas.setLineWidth(LINE_WIDTH)  # showPage resets the graphics state
        self.y = self.top
        self.document_page += 1

    def start_document(self, *, footer: str = "") -> None:
        """Begin the next document of a batch on a new page; ``footer`` runs at the bottom right
        of each of its pages."""
        if self._documents:
            self.new_page()
        self._documents += 1
        self.running_footer = footer
        self.document_page = 1

    def _close_page(self) -> None:
        if self.running_footer:
            suffix = f"（{self.document_page}枚目）" if self.document_page > 1 else ""
            self.footer(self.running_footer + suffix)

    def title(self, text: str, *, size: float = 20, height: float = 40) -> None:
        self.need(height)
        c = self.canvas
        c.saveState()
        c.setLineWidth(0.4)
        self.text_in_box(text, self.left, self.y, self.right - self.left, height, size=size,
                         align="center", bold=True)
        c.restoreState()
        self.y -= height

    def stamp(self, text: str, *, size: float = 18) -> None:
        """A boxed mark in the top right corner (再交付)."""
        c = self.canvas
        width = fonts.text_width(text, size) + 4 * PADDING
        height = size * 1.8
        x = self.right - width
        top = PAGE_HEIGHT - MARGIN_TOP + 2
        c.saveState()
        c.setStrokeColorRGB(0.75, 0, 0)
        c.setFillColorRGB(0.75, 0, 0)
        c.setLineWidth(1.6)
        c.roundRect(x, top - height, width, height, 3, stroke=1, fill=0)
        c.setLineWidth(0.4)
        self.text_in_box(text, x, top, width, height, size=size, align="center", bold=True)
        c.restoreState()

    def heading(self, text: str, *, height: float = 15, size: float = 9) -> None:
        self.need(height)
        self.text_in_box(text, self.left - PADDING, self.y, self.right - self.left, height, size=size)
        self.y -= height

    def space(self, height: float) -> None:
        self.need(height)
        self.y -= height

    def _cells(self, x: float, top: float, right: float, height: float, cells: tuple[Cell, ...]) -> None:
        c = self.canvas
        fixed = sum(cell.width for cell in cells)
        flexible = [cell for cell in cells if not cell.width]
        rest = (right - x - fixed) / len(flexible) if flexible else 0.0
        for cell in cells:
            width = cell.width or rest
            if cell.label:
                c.saveState()
                c.setFillGray(LABEL_FILL)
                c.rect(x, top - height, width, height, stroke=1, fill=1)
                c.restoreState()
            else:
                c.rect(x, top - height, width, height, stroke=1, fill=0)
            self.text_in_box(cell.text, x, top, width, height, size=cell.size,
                             align="center" if cell.label and cell.align == "left" else cell.align)
            x += width

    def row(self, height: float, *cells: Cell) -> None:
        """Boxes side by side across the page."""
        self.need(height)
        self._cells(self.left, self.y, self.right, height, cells)
        self.y -= height

    def field(self, label: str, value: str, *, height: float = 24, size: float = 11) -> None:
        """The usual row: a grey label box and its value."""
        self.row(height, Cell(label, LABEL_WIDTH, label=True, size=label_size(label)), Cell(value, size=size))

    def block(self, label: str, rows: list[tuple[float, tuple[Cell, ...]]]) -> None:
        """A label box spanning several stacked rows of boxes on its right."""
        height = sum(h for h, _ in rows)
        self.need(height)
        self._cells(self.left, self.y, self.left + LABEL_WIDTH, height,
                    (Cell(label, LABEL_WIDTH, label=True, size=label_size(label)),))
        top = self.y
        for h, cells in rows:
            self._cells(self.left + LABEL_WIDTH, top, self.right, h, cells)
            top -= h
        self.y -= height

    def paragraph(self, text: str, *, size: float = 8, height: float | None = None) -> None:
        width = self.right - self.left
        if height is None:
            lines = wrap(fonts.printable(text), width - 2 * PADDING, size)
            height = len(lines) * size * LEADING + 2 * PADDING
        self.need(height)
        fitted = fit_text(text, width - 2 * PADDING, height - 2 * PADDING, size)
        c = self.canvas
        for i, line in enumerate(fitted.lines):
            baseline = self.y - PADDING - i * fitted.leading - (fitted.leading - fitted.size) / 2 - fitted.size * ASCENT
            c.setFont(fonts.FONT_NAME, fitted.size)
            c.drawString(self.left + PADDING, baseline, line)
        self.y -= height

    def footer(self, text: str, *, size: float = 7) -> None:
        """Small text at the bottom right (the issue number)."""
        if not text:
            return
        c = self.canvas
        c.setFont(fonts.FONT_NAME, size)
        line = fonts.printable(text)
        # never wider than the page: shrink like any other box
        fitted = fit_text(line, self.right - self.left, size * 2, size)
        c.setFont(fonts.FONT_NAME, fitted.size)
        c.drawRightString(self.right, MARGIN_BOTTOM - 4 - fitted.size, fitted.lines[0] if fitted.lines else "")

    def finish(self) -> bytes:
        self._close_page()
        self.canvas.showPage()
        self.canvas.save()
        return self.buffer.getvalue()


def label_size(label: str) -> float:
    """Labels are 9 pt; the very long statutory captions start smaller and wrap."""
    return 9.0 if len(label) <= 12 else 8.0
