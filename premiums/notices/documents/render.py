"""The premium notices on A4, drawn with the layout machinery of the eligibility documents
(eligibility.documents.layout.Form, the embedded IPAexGothic, wareki dates).

``render_notice`` returns one notice as a PDF; ``render_notices`` draws many notices on one canvas
(one embedded font subset for the whole file, each notice starting on a new page). A notice is one
page unless its schedule is unusually long: then it continues on a second page, and every page
carries the running footer (kind, fiscal year, 通知書番号). Wording marked "assumed" in
docs/subsystems/premium-notices.md is ours, to be checked against the city's forms.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from kaigo.documents import InsurerInfo
from kaigo.documents.layout import LABEL_WIDTH, MM, Cell, Form
from kaigo.documents.wareki import wareki, wareki_fiscal_year, wareki_month

from .data import (
    BILLING,
    PENSION,
    ChangeNotice,
    DecisionNotice,
    DeferralEndNotice,
    DeferralNotice,
    DeferredBill,
    DemandLetter,
    InstallmentLine,
    LevyStatement,
    Notice,
    NoticeMeta,
    PaymentSlips,
    PensionStartNotice,
    PensionStopNotice,
    ProvisionalBillingNotice,
    ProvisionalNotice,
    ReductionFacts,
    ReductionNotice,
    RejectionNotice,
    Receipt,
    Reminder,
    SettlementNotice,
)

REPRINT_MARK = "再発行"
SAMPLE_MARK = "見本"  # a preview: shown and printed for checking, never sent (nothing recorded)


def mark_of(meta: NoticeMeta) -> str | None:
    """The boxed mark of the top right corner: 「見本」 for a preview (「見本（再発行）」 when the
    issue it previews would be a reprint), 「再発行」 for a reprint, none for a first issue."""
    if meta.sample:
        return f"{SAMPLE_MARK}（{REPRINT_MARK}）" if meta.reprint else SAMPLE_MARK
    return REPRINT_MARK if meta.reprint else None
REVIEW_BOARD = "神奈川県介護保険審査会"  # DOMAIN 13: the prefecture's board hears the appeals
TITLES: dict[type, str] = {
    DecisionNotice: "介護保険料額決定通知書",
    ProvisionalNotice: "介護保険料仮算定通知書（特別徴収仮徴収額のお知らせ）",
    ProvisionalBillingNotice: "介護保険料仮算定通知書（普通徴収）",
    ChangeNotice: "介護保険料額変更通知書",
    PaymentSlips: "介護保険料納付書",
    PensionStartNotice: "介護保険料特別徴収開始通知書",
    PensionStopNotice: "介護保険料特別徴収中止通知書",
    Reminder: "介護保険料督促状",
    DemandLetter: "介護保険料催告書",
    ReductionNotice: "介護保険料減免決定通知書",
    DeferralNotice: "介護保険料徴収猶予決定通知書",
    DeferralEndNotice: "介護保険料徴収猶予取消通知書",
    RejectionNotice: "介護保険料減免（徴収猶予）申請却下通知書",
    Receipt: "介護保険料領収証書",
    SettlementNotice: "介護保険料還付・充当通知書",
}
SETTLEMENT_TITLES = {True: "介護保険料還付通知書", False: "介護保険料充当通知書"}
TITLE_BATCH = "介護保険料通知書"
SLIPS_PER_PAGE = 3

ROW = 15.0  # a table row
KEEP_ROWS = 12  # a table starts on a new page unless its heading and this many rows fit
NOTE_SIZE = 7.5


def yen(amount: int) -> str:
    return f"{amount:,}円"


def signed_yen(amount: int) -> str:
    """A difference as Japanese forms print it: +1,200円, △800円, 0円."""
    if amount > 0:
        return f"+{amount:,}円"
    if amount < 0:
        return f"△{-amount:,}円"
    return "0円"


def notice_number_text(number: int) -> str:
    return f"{number:09d}"


def footer_text(title: str, meta: NoticeMeta) -> str:
    """The running footer: the kind, the fiscal year and the 通知書番号 (left out when there is none)."""
    number = f"　通知書番号 {notice_number_text(meta.notice_number)}" if meta.notice_number is not None else ""
    return f"{title}　{wareki_fiscal_year(meta.fiscal_year)}{number}"


def payment_number_text(number: str) -> str:
    """16 digits in groups of four, as read out at a counter."""
    return " ".join(number[i:i + 4] for i in range(0, len(number), 4))


# --- parts shared by the notices --------------------------------------------------------------


def _start(form: Form, title: str, meta: NoticeMeta, insurer: InsurerInfo) -> None:
    form.start_document(footer=footer_text(title, meta))
    if mark_of(meta):
        form.stamp(mark_of(meta))
    form.title(title, size=18, height=30)
    form.row(20, Cell("年度", LABEL_WIDTH, label=True, size=9), Cell(wareki_fiscal_year(meta.fiscal_year)),
             Cell("発行日", 24 * MM, label=True, size=9), Cell(wareki(meta.issued_on), 50 * MM))
    _insurer(form, insurer)


def _holder(form: Form, notice: Notice) -> None:
    holder, meta = notice.holder, notice.meta
    if meta.notice_number is None:  # a reduction's notice of a year without a levy: no 通知書番号
        form.field("被保険者番号", holder.insured_number, height=22, size=11)
    else:
        form.row(22, Cell("通知書番号", LABEL_WIDTH, label=True, size=9),
                 Cell(notice_number_text(meta.notice_number), size=11),
                 Cell("被保険者番号", 24 * MM, label=True, size=9), Cell(holder.insured_number, 50 * MM, size=11))
    form.field("住所", holder.address, height=26, size=10.5)
    form.field("フリガナ", holder.name_kana, height=16, size=8.5)
    form.field("氏名", f"{holder.name_kanji}　様", height=26, size=13)
    form.space(2)


def _insurer(form: Form, insurer: InsurerInfo, *, height: float = 20) -> None:
    text = f"{insurer.name}（保険者番号 {insurer.number}）"
    if insurer.address:
        text += f"　{insurer.address}"
    form.field("保険者", text, height=height, size=10.5)


def appeal_notes(insurer_name: str) -> tuple[str, ...]:
    """教示 (DOMAIN 12): 審査請求 within 3 months, 取消訴訟 within 6 months of the 裁決 [assumed wording]."""
    return (
        "（教示）",
        "1　この処分に不服がある場合は、この処分があったことを知った日の翌日から起算して3か月以内に、"
        f"{REVIEW_BOARD}に対して審査請求をすることができます。",
        "2　この処分の取消しの訴えは、上記1の審査請求に対する裁決があったことを知った日の翌日から起算して6か月以内に、"
        f"{insurer_name}を被告として（訴訟において{insurer_name}を代表する者は{insurer_name}長となります。）"
        "提起することができます。この訴えは、審査請求に対する裁決を経た後でなければ提起することができません"
        "（介護保険法第196条）。",
    )


def _paragraphs(form: Form, lines: Sequence[str], *, size: float = NOTE_SIZE) -> None:
    for line in lines:
        form.paragraph(line, size=size)


def _notes_and_appeal(form: Form, notice, notes: Sequence[str], *, size: float = NOTE_SIZE) -> None:
    """The end of a notice that is a decision: its notes, then the 教示 (how to appeal)."""
    form.space(3)
    _paragraphs(form, notes, size=size)
    form.space(3)
    _paragraphs(form, appeal_notes(notice.insurer.name))


def _steps_height(steps: Sequence[str], size: float = 9) -> float:
    return max(20.0, len(steps) * size * 1.2 + 7)


def _months_text(levy: LevyStatement) -> str:
    if not levy.months:
        return "0か月"
    start = f"（{wareki_month(levy.first_month)}から）" if levy.first_month else ""
    return f"{levy.months}か月{start}"


def _levy_rows(form: Form, levy: LevyStatement) -> None:
    form.field("所得段階", levy.stage_label, height=22, size=13)
    form.field("段階の判定理由", levy.stage_message, height=28, size=10)
    form.field("保険料の計算", "\n".join(levy.steps), height=_steps_height(levy.steps), size=9)
    form.row(22, Cell("賦課月数", LABEL_WIDTH, label=True, size=9), Cell(_months_text(levy), size=10.5),
             Cell("年額保険料（12か月）", 36 * MM, label=True, size=8.5), Cell(yen(levy.annual_amount), 34 * MM,
                                                                           align="right"))
    form.field("保険料額", yen(levy.amount), height=26, size=15)
    form.field("徴収方法", f"{levy.method_label}\n{levy.method_message}", height=30, size=10)


# --- the schedule tables ----------------------------------------------------------------------

PENSION_TITLE = "特別徴収（年金からの差引き）"
BILLING_TITLE = "普通徴収（納付書・口座振替）"
DUE_LABELS = {PENSION: "年金支払日", BILLING: "納期限"}
NUMBER_LABELS = {PENSION: "年金支払月", BILLING: "期別"}


def _single_schedule(form: Form, method: str, lines: Sequence[InstallmentLine]) -> None:
    label_w, amount_w = 40 * MM, 40 * MM
    form.need(ROW * (min(len(lines), KEEP_ROWS) + 3))
    form.row(ROW + 1, Cell(PENSION_TITLE if method == PENSION else BILLING_TITLE, label=True, size=9))
    form.row(ROW, Cell(NUMBER_LABELS[method], label_w, label=True, size=8.5),
             Cell(DUE_LABELS[method], label=True, size=8.5), Cell("金額", amount_w, label=True, size=8.5))
    for line in lines:
        form.row(ROW, Cell(line.label, label_w, size=9, align="center"), Cell(wareki(line.due_date), size=9,
                                                                                align="center"),
                 Cell(yen(line.amount), amount_w, size=9, align="right"))
    form.row(ROW, Cell("合計", LABEL_WIDTH, label=True, size=8.5),
             Cell(yen(sum(i.amount for i in lines)), size=9.5, align="right"))


def _schedule(form: Form, levy: LevyStatement) -> None:
    """特別徴収 and 普通徴収 in two column groups side by side (one table when only one applies)."""
    pension, bills = levy.of(PENSION), levy.of(BILLING)
    form.heading("納期と各期の金額")
    if not pension and not bills:
        form.field("納期", "納めていただく保険料はありません。", height=22, size=10)
        return
    if not pension or not bills:
        _single_schedule(form, PENSION if pension else BILLING, pension or bills)
        return
    half = (form.right - form.left) / 2
    lw, aw = 24 * MM, 25 * MM
    dw = half - lw - aw
    n = max(len(pension), len(bills))
    form.need(ROW * (min(n, KEEP_ROWS) + 3))
    form.row(ROW + 1, Cell(PENSION_TITLE, half, label=True, size=9), Cell(BILLING_TITLE, label=True, size=9))
    form.row(ROW, *(cell for method in (PENSION, BILLING) for cell in (
        Cell(NUMBER_LABELS[method], lw, label=True, size=8.5), Cell(DUE_LABELS[method], dw, label=True, size=8.5),
        Cell("金額", aw, label=True, size=8.5))))
    for i in range(n):
        cells = []
        for lines in (pension, bills):
            line = lines[i] if i < len(lines) else None
            cells += [Cell(line.label if line else "", lw, size=9, align="center"),
                      Cell(wareki(line.due_date) if line else "", dw, size=9, align="center"),
                      Cell(yen(line.amount) if line else "", aw, size=9, align="right")]
        form.row(ROW, *cells)
    form.row(ROW, Cell("合計", lw + dw, label=True, size=8.5),
             Cell(yen(sum(i.amount for i in pension)), aw, size=9.5, align="right"),
             Cell("合計", lw + dw, label=True, size=8.5),
             Cell(yen(sum(i.amount for i in bills)), aw, size=9.5, align="right"))


OVERPAID_NOTE = ("納め過ぎとなった保険料（過納額）は、未納の保険料があるときはその保険料に充当し、残りがあるときは還付します。"
                 "還付の手続については、別にお知らせします。")
BILLING_NOTES = (
    "普通徴収の保険料は、納付書により各納期限までに金融機関等の窓口で納めるか、口座振替で納めてください。",
    "納期限までに納めないと督促状が送られ、延滞金がかかることがあります。",
)
PENSION_NOTES = (
    "特別徴収の保険料は、年金の支払の際に年金保険者が差し引いて市に納めます。ご自身での手続は必要ありません。",
)


# --- the notices ------------------------------------------------------------------------------


def _draw_decision(form: Form, notice: DecisionNotice) -> None:
    levy, year = notice.levy, wareki_fiscal_year(notice.meta.fiscal_year)
    _start(form, TITLES[DecisionNotice], notice.meta, notice.insurer)
    _holder(form, notice)
    form.paragraph(f"{year}の介護保険料額を次のとおり決定しましたので通知します。", size=10)
    _levy_rows(form, levy)
    form.space(4)
    _schedule(form, levy)
    if levy.overpaid:
        form.field("過納額", yen(levy.overpaid), height=20, size=11)
        form.paragraph(OVERPAID_NOTE, size=NOTE_SIZE)
    _notes_and_appeal(form, notice, (*(PENSION_NOTES if levy.of(PENSION) else ()),
                                     *(BILLING_NOTES if levy.of(BILLING) else ())))


def _draw_change(form: Form, notice: ChangeNotice) -> None:
    before, after = notice.before, notice.after
    _start(form, TITLES[ChangeNotice], notice.meta, notice.insurer)
    _holder(form, notice)
    form.paragraph(f"{wareki_fiscal_year(notice.meta.fiscal_year)}の介護保険料額を次のとおり変更しましたので通知します。",
                   size=10)
    form.field("変更の理由", "、".join(notice.causes) or "保険料の再計算", height=22, size=10.5)
    form.space(3)
    column = 67 * MM
    form.row(ROW, Cell("", LABEL_WIDTH, label=True), Cell("変更前", column, label=True, size=9),
             Cell("変更後", label=True, size=9))
    for label, old, new, height, size in (
        ("所得段階", before.stage_label, after.stage_label, 18, 11),
        ("段階の判定理由", before.stage_message, after.stage_message, 28, 8.5),
        ("賦課月数", _months_text(before), _months_text(after), 16, 9.5),
        ("年額保険料（12か月）", yen(before.annual_amount), yen(after.annual_amount), 16, 10),
        ("保険料額", yen(before.amount), yen(after.amount), 20, 12),
        ("徴収方法", f"{before.method_label}\n{before.method_message}", f"{after.method_label}\n{after.method_message}",
         28, 8.5),
    ):
        form.row(height, Cell(label, LABEL_WIDTH, label=True, size=9 if len(label) <= 8 else 8),
                 Cell(old, column, size=size), Cell(new, size=size))
    form.field("変更後の計算", "\n".join(after.steps), height=_steps_height(after.steps, 8.5), size=8.5)
    form.space(4)
    _change_schedule(form, before, after)
    if after.overpaid:
        form.field("過納額", yen(after.overpaid), height=20, size=11)
        form.paragraph(OVERPAID_NOTE, size=NOTE_SIZE)
    form.space(3)
    _paragraphs(form, appeal_notes(notice.insurer.name))


def _change_schedule(form: Form, before: LevyStatement, after: LevyStatement) -> None:
    """Each installment before and after, paired by method and month."""
    old = {(i.method, i.month): i for i in before.installments}
    new = {(i.method, i.month): i for i in after.installments}
    keys = sorted(old.keys() | new.keys(), key=lambda k: (k[1], k[0] != PENSION))
    form.heading("各期の金額（変更前・変更後）")
    widths = (24 * MM, 26 * MM, 0.0, 28 * MM, 28 * MM, 28 * MM)
    form.need(ROW * (min(len(keys), KEEP_ROWS) + 2))
    form.row(ROW, *(Cell(text, w, label=True, size=8.5) for text, w in zip(
        ("区分", "期別", "納期限・年金支払日", "変更前", "変更後", "差額"), widths, strict=True)))
    for key in keys:
        line = new.get(key) or old[key]
        was, now = old[key].amount if key in old else 0, new[key].amount if key in new else 0
        texts = ("特別徴収" if key[0] == PENSION else "普通徴収", line.label, wareki(line.due_date), yen(was),
                 yen(now), signed_yen(now - was))
        aligns = ("center", "center", "center", "right", "right", "right")
        form.row(ROW - 2, *(Cell(t, w, size=8.5, align=a) for t, w, a in zip(texts, widths, aligns, strict=True)))
    was, now = sum(i.amount for i in before.installments), sum(i.amount for i in after.installments)
    form.row(ROW, Cell("合計", sum(widths[:2]), label=True, size=8.5), Cell("", label=True),
             Cell(yen(was), widths[3], size=9, align="right"), Cell(yen(now), widths[4], size=9, align="right"),
             Cell(signed_yen(now - was), widths[5], size=9, align="right"))


SLIP_NOTES = (
    "この納付書により、納期限までに市の指定金融機関・収納代理金融機関又はゆうちょ銀行・郵便局の窓口で納めてください。"
    "口座振替の方は、この納付書は使用しないでください。領収証書は大切に保管してください。"
)
SLIP_GAP = 40.0


def _draw_slips(form: Form, notice: PaymentSlips) -> None:
    meta, holder = notice.meta, notice.holder
    title = TITLES[PaymentSlips]
    form.start_document(footer=f"{title}　{wareki_fiscal_year(meta.fiscal_year)}　"
                               f"通知書番号 {notice_number_text(meta.notice_number)}")
    if mark_of(meta):
        form.stamp(mark_of(meta))
    for index, slip in enumerate(notice.slips):
        if index and index % SLIPS_PER_PAGE == 0:
            form.new_page()
        elif index:
            _cut_line(form)
        form.need(SLIP_HEIGHT)
        form.row(26, Cell("介護保険料　納付書 兼 領収証書", label=True, size=12),
                 Cell(wareki_fiscal_year(meta.fiscal_year), 36 * MM, size=11, align="center"))
        form.row(20, Cell("通知書番号", LABEL_WIDTH, label=True, size=9),
                 Cell(notice_number_text(meta.notice_number), size=10.5),
                 Cell("期別", 18 * MM, label=True, size=9), Cell(slip.label, 36 * MM, size=11, align="center"))
        form.row(20, Cell("被保険者番号", LABEL_WIDTH, label=True, size=9), Cell(holder.insured_number, size=10.5),
                 Cell("発行日", 18 * MM, label=True, size=9), Cell(wareki(meta.issued_on), 36 * MM, size=9,
                                                                  align="center"))
        form.field("氏名", f"{holder.name_kanji}　様", height=24, size=12)
        _insurer(form, notice.insurer, height=18)
        form.field("納付番号", payment_number_text(slip.payment_number), height=26, size=14)
        if slip.pay_by is None:
            form.row(28, Cell("納期限", LABEL_WIDTH, label=True, size=9), Cell(wareki(slip.due_date), size=12),
                     Cell("金額", 18 * MM, label=True, size=9), Cell(yen(slip.amount), 36 * MM, size=15, align="right"))
        else:  # past its 納期限: the premium and its late charge, valid until the 指定期限
            form.row(14, Cell("納期限", LABEL_WIDTH, label=True, size=8), Cell(f"{wareki(slip.due_date)}（経過）", size=9),
                     Cell("保険料", 18 * MM, label=True, size=8), Cell(yen(slip.amount), 36 * MM, size=10, align="right"))
            form.row(14, Cell("指定期限", LABEL_WIDTH, label=True, size=8),
                     Cell(f"{wareki(slip.pay_by)}までに納付の場合", size=9),
                     Cell("延滞金", 18 * MM, label=True, size=8),
                     Cell(yen(slip.late_charge), 36 * MM, size=10, align="right"))
        form.row(60, Cell("取扱い", LABEL_WIDTH, label=True, size=9), Cell(SLIP_NOTES, size=8),
                 Cell("領収日付印", 18 * MM, label=True, size=8), Cell("", 36 * MM))


SLIP_HEIGHT = 26 + 20 + 20 + 24 + 18 + 26 + 28 + 60  # a slip past its 納期限: two rows of 14 for the 28


def _cut_line(form: Form) -> None:
    """A dashed line to cut the slips apart, in the middle of the gap between two slips."""
    form.need(SLIP_GAP + SLIP_HEIGHT)
    c = form.canvas
    c.saveState()
    c.setDash(4, 3)
    c.setLineWidth(0.4)
    middle = form.y - SLIP_GAP / 2
    c.line(form.left - 5 * MM, middle, form.right + 5 * MM, middle)
    c.restoreState()
    form.space(SLIP_GAP)


def _pension_fields(form: Form, notice) -> None:
    """年金保険者 and 年金の種類 of a notice about a pension deduction, each where it is known."""
    if notice.pension_insurer:
        form.field("年金保険者", notice.pension_insurer, height=22, size=11)
    if notice.pension_kind:
        form.field("年金の種類", notice.pension_kind, height=22, size=11)


def _draw_pension_start(form: Form, notice: PensionStartNotice) -> None:
    levy = notice.levy
    _start(form, TITLES[PensionStartNotice], notice.meta, notice.insurer)
    _holder(form, notice)
    form.paragraph(f"{wareki_fiscal_year(notice.meta.fiscal_year)}の介護保険料は、次のとおり年金から差し引いて"
                   "納めていただく（特別徴収）ことになりましたので通知します。", size=10)
    _pension_fields(form, notice)
    form.field("特別徴収の開始月", wareki_month(notice.pension_from), height=22, size=11)
    form.field("保険料額", yen(levy.amount), height=24, size=13)
    form.space(4)
    form.heading("年金から差し引く保険料")
    _single_schedule(form, PENSION, levy.of(PENSION))
    bills = levy.of(BILLING)
    if bills:
        form.space(4)
        form.field("普通徴収", f"特別徴収が始まるまでの分など {yen(sum(i.amount for i in bills))}"
                   f"（{len(bills)}回）は、納付書又は口座振替で納めてください。納期は保険料額決定通知書のとおりです。",
                   height=30, size=9.5)
    _notes_and_appeal(form, notice, (
        *PENSION_NOTES,
        "4月・6月・8月の差引き（仮徴収）は前年度2月の額などによる仮の額で、10月・12月・2月の差引き（本徴収）で"
        "年間の保険料額との差を調整します。",
        "年金の支払が止まったときや保険料額が減ったときは特別徴収が中止され、残りは普通徴収となります。",
    ))


PENSION_STOP_NOTES = (  # [K?] wording assumed, to be confirmed with the city's form
    "中止する月以降の年金からは、介護保険料は差し引かれません。年金保険者への中止の連絡には日数がかかるため、"
    "それより前の月の差引きはそのまま行われます。",
    "更正後の保険料額、これまでの差引き・納付の額、納め過ぎの額の還付又は充当は「介護保険料額変更通知書」の"
    "とおりです。",
)


def _draw_pension_stop(form: Form, notice: PensionStopNotice) -> None:
    year = wareki_fiscal_year(notice.meta.fiscal_year)
    _start(form, TITLES[PensionStopNotice], notice.meta, notice.insurer)
    _holder(form, notice)
    form.paragraph(f"{year}の介護保険料の年金からの差引き（特別徴収）は、保険料の更正により、次のとおり中止することと"
                   "なりましたので通知します。", size=10)
    _pension_fields(form, notice)
    form.field("中止する月", f"{wareki_month(notice.stop_month)}の年金から", height=22, size=11)
    form.field("中止の理由", "、".join(notice.reasons), height=22, size=10.5)
    form.field("今後の徴収方法", notice.method_label, height=22, size=10.5)
    form.field("更正後の保険料額", yen(notice.amount), height=24, size=13)
    form.space(4)
    form.heading("年金から差し引く（差し引いた）保険料")
    if notice.deductions:
        _single_schedule(form, PENSION, notice.deductions)
    else:
        form.paragraph("年金からの差引きはありません。", size=9.5)
    form.space(4)
    form.heading("納付書又は口座振替で納めていただく保険料（普通徴収）")
    if notice.bills:
        _single_schedule(form, BILLING, notice.bills)
        form.paragraph("残りの保険料は、上の各納期限までに納付書又は口座振替で納めてください。", size=9)
    else:
        form.paragraph("普通徴収で納めていただく保険料はありません。", size=9.5)
    if notice.overpaid:
        form.field("過納額", f"{yen(notice.overpaid)}（還付又は充当します）", height=22, size=10.5)
    _notes_and_appeal(form, notice, PENSION_STOP_NOTES)


PROVISIONAL_BASIS = ("前年度から引き続き年金からの差引き（特別徴収）となる方は、介護保険法第140条の規定により、"
                     "4月・6月・8月の年金からは、前年度2月の特別徴収額と同額を仮に徴収すること（仮徴収）とされています。")
PROVISIONAL_NOTES = (
    "今年度の保険料額は、市民税の課税状況などが確定した後、7月の本算定で決定し、「介護保険料額決定通知書」で"
    "お知らせします。",
    "仮徴収額と本算定で決定した保険料額との差は、10月からの年金からの差引き（本徴収：10月・12月・2月）で"
    "調整します。仮徴収額の合計が保険料額を超えるときは、納め過ぎの額を還付又は充当します。",
    "年金の支払が止まったときなどは特別徴収が中止され、残りは普通徴収となります。",
)


def _draw_provisional(form: Form, notice: ProvisionalNotice) -> None:
    year = wareki_fiscal_year(notice.meta.fiscal_year)
    _start(form, TITLES[ProvisionalNotice], notice.meta, notice.insurer)
    _holder(form, notice)
    form.paragraph(f"{year}の介護保険料は、本算定までの間、次のとおり年金から仮に差し引いて納めていただきます"
                   "（特別徴収の仮徴収）ので通知します。", size=10)
    form.paragraph(PROVISIONAL_BASIS, size=9)
    _pension_fields(form, notice)
    form.field("仮徴収額の合計", yen(notice.total), height=24, size=13)
    form.space(4)
    form.heading("年金から仮に差し引く保険料（仮徴収）")
    _single_schedule(form, PENSION, notice.deductions)
    _notes_and_appeal(form, notice, (*PENSION_NOTES, *PROVISIONAL_NOTES))


PROVISIONAL_BILLING_BASIS = ("市民税の課税状況などが確定する前に納期が来る第1期からの保険料は、{insurer}の介護保険条例の"
                             "定めるところにより、前年度の所得段階（第{stage}段階）に応じた今年度の年額保険料を納期の数で"
                             "割った額で、仮に算定しています（仮算定）。")
PROVISIONAL_BILLING_NOTES = (
    "今年度の保険料額は、市民税の課税状況などが確定した後、7月の本算定で決定し、「介護保険料額決定通知書」で"
    "お知らせします。",
    "仮算定額と本算定で決定した保険料額との差は、残りの納期の保険料で調整します。仮算定額の合計が保険料額を"
    "超えるときは、納め過ぎの額を還付又は充当します。",
)


def _draw_provisional_billing(form: Form, notice: ProvisionalBillingNotice) -> None:
    year = wareki_fiscal_year(notice.meta.fiscal_year)
    _start(form, TITLES[ProvisionalBillingNotice], notice.meta, notice.insurer)
    _holder(form, notice)
    form.paragraph(f"{year}の介護保険料は、本算定までの間、次の納期の保険料を仮に算定して納めていただきます"
                   "（普通徴収の仮算定）ので通知します。", size=10)
    form.paragraph(PROVISIONAL_BILLING_BASIS.format(insurer=notice.insurer.name, stage=notice.stage), size=9)
    form.field("仮算定額の合計", yen(notice.total), height=24, size=13)
    form.space(4)
    form.heading("仮に算定した保険料（普通徴収）")
    _single_schedule(form, BILLING, notice.bills)
    _notes_and_appeal(form, notice, (*BILLING_NOTES, *PROVISIONAL_BILLING_NOTES))


def _unpaid_table(form: Form, rows, *, fee_column: bool, charge_column: bool = False) -> None:
    extra = (*((("督促手数料", 22 * MM),) if fee_column else ()), *((("延滞金", 22 * MM),) if charge_column else ()))
    widths = (26 * MM, 20 * MM, 0.0, 28 * MM, *(w for _, w in extra), 28 * MM)
    heads = ("年度", "期別", "納期限", "未納額", *(h for h, _ in extra), "合計")
    form.row(ROW + 1, *(Cell(h, w, label=True, size=8.5) for h, w in zip(heads, widths, strict=True)))
    for row in rows:
        texts = (wareki_fiscal_year(row.fiscal_year), row.label, wareki(row.due_date), yen(row.unpaid),
                 *((yen(row.fee),) if fee_column else ()), *((yen(row.late_charge),) if charge_column else ()),
                 yen(row.total))
        aligns = ("center", "center", "center", "right", *(("right",) * len(extra)), "right")
        form.row(ROW + 3, *(Cell(t, w, size=10, align=a) for t, w, a in zip(texts, widths, aligns, strict=True)))


def _pay_by(form: Form, day: date) -> None:
    form.field("指定期限", f"{wareki(day)}まで", height=26, size=14)


def _draw_reminder(form: Form, notice: Reminder) -> None:
    insurer = notice.insurer.name
    _start(form, TITLES[Reminder], notice.meta, notice.insurer)
    _holder(form, notice)
    form.paragraph("次の介護保険料が納期限までに納付されていません。地方自治法第231条の3第1項及び介護保険法の規定により"
                   "督促しますので、指定期限までに納付してください。", size=10)
    form.space(3)
    unpaid = notice.unpaid
    _unpaid_table(form, [unpaid], fee_column=bool(unpaid.fee), charge_column=bool(unpaid.late_charge))
    form.space(3)
    _pay_by(form, notice.pay_by)
    form.space(4)
    _paragraphs(form, (
        (f"延滞金は、{insurer}の条例の定めるところにより、納期限の翌日から納付の日までの日数に応じて計算した額で、"
         f"上の額は指定期限（{wareki(notice.pay_by)}）に納付した場合の額です。" if unpaid.late_charge else
         f"納期限の翌日から納付の日までの期間に応じて、{insurer}の条例の定めるところにより延滞金を加算して納付して"
         "いただくことがあります。"),
        "指定期限までに納付がないときは、介護保険法第144条及び地方自治法第231条の3第3項の規定により、"
        "地方税の滞納処分の例により財産の差押えなどの滞納処分を行うことがあります。",
        "納付には、お手元の納付書（納期限を過ぎたものは窓口へご相談ください）をご利用ください。"
        "この督促状と行き違いに納付された場合は、ご容赦ください。",
    ), size=8.5)
    form.space(3)
    _paragraphs(form, appeal_notes(insurer))


def _draw_demand(form: Form, notice: DemandLetter) -> None:
    _start(form, TITLES[DemandLetter], notice.meta, notice.insurer)
    _holder(form, notice)
    form.paragraph("次の介護保険料が未納となっています。督促状をお送りしましたが、まだ納付が確認できません。"
                   "指定期限までに必ず納付してください。", size=10)
    form.space(3)
    fee = any(row.fee for row in notice.unpaid)
    _unpaid_table(form, notice.unpaid, fee_column=fee, charge_column=any(row.late_charge for row in notice.unpaid))
    total = sum(row.total for row in notice.unpaid)
    form.row(ROW + 5, Cell("未納額の合計", LABEL_WIDTH, label=True, size=9), Cell(yen(total), size=13, align="right"))
    form.space(3)
    _pay_by(form, notice.pay_by)
    form.space(4)
    form.heading("納付されない場合（介護保険法第66条から第69条まで）")
    _paragraphs(form, (
        "保険料を滞納していると、介護サービスを利用するときに、次のような給付の制限を受けることがあります。",
        "1　納期限から1年以上滞納したとき：サービスの費用をいったん全額お支払いいただき、後で申請により保険給付分の"
        "払戻しを受ける方法（償還払い）になります。",
        "2　1年6か月以上滞納したとき：保険給付の全部又は一部の支払が一時差し止められ、滞納している保険料に"
        "充てられることがあります。",
        "3　時効（2年）により納めることができなくなった保険料があるとき：その期間に応じて、利用者負担の割合が3割"
        "（3割負担の方は4割）に引き上げられ、高額介護サービス費などが支給されなくなります。",
        "また、介護保険法第144条の規定により、地方税の滞納処分の例により財産の差押えなどの滞納処分を行うことがあります。",
        "納付が難しい事情があるときは、指定期限までにご相談ください。この催告書と行き違いに納付された場合は、ご容赦ください。",
    ), size=8.5)


# --- the notices of a reduction's decision ------------------------------------------------------


def months_text(first: date, last: date) -> str:
    """令和8年10月から令和8年12月まで（3か月）; one month: 令和8年10月（1か月）."""
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    if count == 1:
        return f"{wareki_month(first)}（1か月）"
    return f"{wareki_month(first)}から{wareki_month(last)}まで（{count}か月）"


def share_text(rate: Decimal) -> str:
    """The share remitted (Reduction.rate, 1 = 全額免除): 全額免除（保険料の100%）, 保険料の50%を減額."""
    if rate >= 1:
        return "全額免除（保険料の100%）"
    percent = (rate * 100).normalize()
    return f"保険料の{percent:f}%を減額"


def _application_rows(form: Form, facts: ReductionFacts, *, months_label: str) -> None:
    form.row(22, Cell("申請日", LABEL_WIDTH, label=True, size=9), Cell(wareki(facts.applied_on), size=10.5),
             Cell("決定日", 24 * MM, label=True, size=9), Cell(wareki(facts.decided_on), 50 * MM, size=10.5))
    form.field("事由", facts.kind_label, height=22, size=11)
    form.field(months_label, months_text(facts.first_month, facts.last_month), height=22, size=11)


def _deferred_bills(form: Form, bills: Sequence[DeferredBill], *, new_label: str, total_label: str) -> None:
    if not bills:
        form.field("納期", "猶予の期間内に納期限のある普通徴収の保険料はありません。", height=22, size=10)
        return
    widths = (30 * MM, 0.0, 0.0, 34 * MM)
    form.need(ROW * (min(len(bills), KEEP_ROWS) + 3))
    form.row(ROW + 1, *(Cell(h, w, label=True, size=8.5) for h, w in zip(
        ("期別", "本来の納期限", new_label, "金額"), widths, strict=True)))
    for bill in bills:
        texts = (bill.label, wareki(bill.due_date), wareki(bill.new_due_date), yen(bill.amount))
        form.row(ROW + 2, *(Cell(t, w, size=9.5, align=a) for t, w, a in zip(
            texts, widths, ("center", "center", "center", "right"), strict=True)))
    form.row(ROW + 2, Cell(total_label, LABEL_WIDTH, label=True, size=8.5),
             Cell(yen(sum(b.amount for b in bills)), size=10.5, align="right"))


REDUCTION_NOTES = (
    "減免後の保険料額と各期の金額は、別にお送りする「介護保険料額変更通知書」でお知らせします。",
    "減免は、上記の対象の月のうち保険料が賦課される月に適用します。",
)
BORDERLINE_NOTES = (
    "境界層措置により、上記の対象の月の保険料は適用する所得段階の額で計算します。"
    "変更後の保険料額と各期の金額は、別にお送りする「介護保険料額変更通知書」でお知らせします。",
)
DEFERRAL_NOTES = (
    "徴収を猶予した保険料は、猶予期限までに納めてください。猶予期限までは督促状をお送りしません。"
    "猶予期限を過ぎても納付がないときは、督促状をお送りします。",
    "年金から差し引く保険料（特別徴収）は、徴収猶予の対象になりません。",
    "猶予の理由がなくなったときなどは、猶予を取り消し、猶予期限を繰り上げることがあります。",
)
DEFERRAL_END_NOTES = (
    "上の表の保険料は、取消後の納期限までに納めてください。取消後の納期限を過ぎても納付がないときは、"
    "督促状をお送りします。",
)


def _draw_reduction(form: Form, notice: ReductionNotice) -> None:
    facts, year = notice.facts, wareki_fiscal_year(notice.meta.fiscal_year)
    borderline = notice.stage is not None
    _start(form, TITLES[ReductionNotice], notice.meta, notice.insurer)
    _holder(form, notice)
    subject = "境界層措置の適用" if borderline else "減免"
    form.paragraph(f"{wareki(facts.applied_on)}付けで申請のあった{year}の介護保険料の{subject}について、"
                   "次のとおり決定しましたので通知します。", size=10)
    _application_rows(form, facts, months_label="対象の月")
    if borderline:
        if notice.own_stage is not None:
            form.field("本来の所得段階", f"第{notice.own_stage}段階", height=22, size=11)
        form.field("適用する所得段階", f"第{notice.stage}段階", height=24, size=13)
    elif notice.rate is not None:
        form.field("減免の割合", share_text(notice.rate), height=24, size=13)
    _notes_and_appeal(form, notice, BORDERLINE_NOTES if borderline else REDUCTION_NOTES, size=8.5)


def _draw_deferral(form: Form, notice: DeferralNotice) -> None:
    facts, year = notice.facts, wareki_fiscal_year(notice.meta.fiscal_year)
    _start(form, TITLES[DeferralNotice], notice.meta, notice.insurer)
    _holder(form, notice)
    form.paragraph(f"{wareki(facts.applied_on)}付けで申請のあった{year}の介護保険料の徴収猶予について、"
                   "次のとおり徴収を猶予することに決定しましたので通知します。", size=10)
    _application_rows(form, facts, months_label="猶予の期間")
    form.field("猶予期限", f"{wareki(notice.until)}まで", height=26, size=14)
    form.space(4)
    form.heading("徴収を猶予する保険料（普通徴収）")
    _deferred_bills(form, notice.bills, new_label="猶予後の納期限", total_label="猶予する保険料額")
    _notes_and_appeal(form, notice, DEFERRAL_NOTES, size=8.5)


def _draw_deferral_end(form: Form, notice: DeferralEndNotice) -> None:
    facts, year = notice.facts, wareki_fiscal_year(notice.meta.fiscal_year)
    _start(form, TITLES[DeferralEndNotice], notice.meta, notice.insurer)
    _holder(form, notice)
    form.paragraph(f"{wareki(facts.decided_on)}付けで決定した{year}の介護保険料の徴収猶予について、次の理由により"
                   f"猶予を取り消し、猶予期限を{wareki(notice.until)}に繰り上げましたので通知します。", size=10)
    _application_rows(form, facts, months_label="猶予の期間")
    form.row(22, Cell("当初の猶予期限", LABEL_WIDTH, label=True, size=8.5), Cell(wareki(notice.decided_until), size=10.5),
             Cell("取消日", 24 * MM, label=True, size=9), Cell(wareki(notice.ended_on), 50 * MM, size=10.5))
    form.field("取消後の猶予期限", f"{wareki(notice.until)}まで", height=26, size=14)
    form.field("取消の理由", notice.reason, height=30, size=10.5)
    form.space(4)
    form.heading("猶予していた保険料（普通徴収）と取消後の納期限")
    _deferred_bills(form, notice.bills, new_label="取消後の納期限", total_label="合計")
    _notes_and_appeal(form, notice, DEFERRAL_END_NOTES, size=8.5)


def _draw_rejection(form: Form, notice: RejectionNotice) -> None:
    facts, year = notice.facts, wareki_fiscal_year(notice.meta.fiscal_year)
    _start(form, TITLES[RejectionNotice], notice.meta, notice.insurer)
    _holder(form, notice)
    subject = "徴収猶予" if notice.deferral else "境界層措置の適用" if notice.borderline else "減免"
    form.paragraph(f"{wareki(facts.applied_on)}付けで申請のあった{year}の介護保険料の{subject}について、"
                   "次の理由により申請を却下しましたので通知します。", size=10)
    _application_rows(form, facts, months_label="申請のあった月")
    form.field("却下の理由", notice.reason, height=40, size=10.5)
    _notes_and_appeal(form, notice, ("保険料は、これまでにお知らせした各納期限までに納めてください。",), size=8.5)


RECEIPT_NOTE = "上記の金額を領収しました。"


def _draw_receipt(form: Form, notice: Receipt) -> None:
    _start(form, TITLES[Receipt], notice.meta, notice.insurer)
    _holder(form, notice)
    form.row(22, Cell("領収番号", LABEL_WIDTH, label=True, size=9), Cell(f"{notice.number:010d}", size=11),
             Cell("納付日", 24 * MM, label=True, size=9), Cell(wareki(notice.paid_on), 50 * MM, size=11))
    widths = (30 * MM, 30 * MM, 0.0, 34 * MM)
    form.row(ROW + 1, *(Cell(h, w, label=True, size=8.5) for h, w in zip(
        ("年度", "期別", "保険料", "延滞金"), widths, strict=True)))
    for line in notice.lines:
        texts = (wareki_fiscal_year(line.fiscal_year), line.label, yen(line.premium),
                 yen(line.late_charge) if line.late_charge else "—")
        form.row(ROW + 2, *(Cell(t, w, size=10, align=a) for t, w, a in zip(
            texts, widths, ("center", "center", "right", "right"), strict=True)))
    form.field("領収金額", yen(notice.amount), height=30, size=16)
    form.paragraph(RECEIPT_NOTE, size=10)
    form.space(3)
    _paragraphs(form, ("この領収証書は、保険料を納めたことの証明となりますので大切に保管してください。",), size=8.5)


def _draw_settlement(form: Form, notice: SettlementNotice) -> None:
    title = SETTLEMENT_TITLES[notice.refund]
    _start(form, title, notice.meta, notice.insurer)
    _holder(form, notice)
    year = wareki_fiscal_year(notice.source_year)
    if notice.refund:
        form.paragraph(f"{year}の介護保険料に納め過ぎ（過誤納金）がありましたので、次のとおり還付します。", size=10)
    else:
        form.paragraph(f"{year}の介護保険料に納め過ぎ（過誤納金）がありましたので、次のとおり未納の保険料に充当しました。",
                       size=10)
    form.row(22, Cell("過誤納の年度", LABEL_WIDTH, label=True, size=9), Cell(year, size=11),
             Cell("決定日", 24 * MM, label=True, size=9), Cell(wareki(notice.decided_on), 50 * MM, size=11))
    form.field("還付金額" if notice.refund else "充当金額", yen(notice.amount), height=28, size=15)
    if notice.refund:
        form.field("振込先口座", notice.account, height=22, size=10.5)
    else:
        form.field("充当先", notice.target, height=22, size=11)
    form.field("理由", notice.reason or "—", height=22, size=10)
    notes = (("還付金は、上記の口座に振り込みます。口座に誤りがあるときは、お早めにご連絡ください。",
              "還付を受ける権利は、2年を経過すると時効により消滅します（介護保険法第200条）。")
             if notice.refund else
             ("過誤納金は、介護保険法及び地方税の例により、未納の保険料に充当しました。",))
    _notes_and_appeal(form, notice, notes)


DRAW = {
    DecisionNotice: _draw_decision,
    ProvisionalNotice: _draw_provisional,
    ProvisionalBillingNotice: _draw_provisional_billing,
    ChangeNotice: _draw_change,
    PaymentSlips: _draw_slips,
    PensionStartNotice: _draw_pension_start,
    PensionStopNotice: _draw_pension_stop,
    Reminder: _draw_reminder,
    DemandLetter: _draw_demand,
    ReductionNotice: _draw_reduction,
    DeferralNotice: _draw_deferral,
    DeferralEndNotice: _draw_deferral_end,
    RejectionNotice: _draw_rejection,
    Receipt: _draw_receipt,
    SettlementNotice: _draw_settlement,
}


def render_notices(notices: Sequence[Notice]) -> bytes:
    """Many notices as one PDF on one canvas, each starting on a new page, in the order given.
    The file's title is the kind when all are of one kind, else 「介護保険料通知書」."""
    if not notices:
        raise ValueError("no notice to render")
    kinds = {type(n) for n in notices}
    form = Form(title=TITLES[kinds.pop()] if len(kinds) == 1 else TITLE_BATCH, overflow="new_page")
    for notice in notices:
        DRAW[type(notice)](form, notice)
    return form.finish()


def render_notice(notice: Notice) -> bytes:
    """One notice as a PDF (one page, more only for an unusually long schedule)."""
    return render_notices([notice])
