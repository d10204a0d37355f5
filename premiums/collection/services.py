"""Payments (収納) and the decisions on overpayments (還付・充当) of one person, as services.

A payment applies to one installment of a fiscal year (method and month); the balance is what
the current levy revision asks for minus what was paid (premiums.rules.balance). Every write
takes the person's advisory lock, so two clerks (or a clerk and the payment file) never decide
on the same money twice. Refunds and offsets record who decided; an offset is a Payment
(channel 充当) on the other installment, linked from its Settlement. Japanese errors for staff.
See docs/subsystems/levy.md."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from eligibility.residents.selectors import ALL_WARDS, UPDATE_NOT_PERMITTED, home_wards
from kaigo.bank.zengin import (
    AccountInvalid,
    BankFileInvalid,
    Transfer,
    account_normalise,
    city_sender,
    transfer_file,
    transfer_results,
)
from kaigo.db import number_allocate
from kaigo.errors import ApplicationError, InvalidState, NotPermitted
from kaigo.staff.roles import has_permission
from premiums.collection.models import (
    BankTransferFile,
    BankTransferLine,
    CounterReceipt,
    ExemptionStatus,
    HeldPayment,
    HeldStatus,
    LateChargeExemption,
    LateChargePayment,
    Payment,
    PaymentChannel,
    Settlement,
    SettlementKind,
    TransferStatus,
)
from premiums.collection.selectors import BILLING, balance_of, counter_quote, year_collection
from premiums.scope import require_premium_update

PENSION_NOT_AT_COUNTER = "特別徴収（年金からの差引き）の納期は窓口で収納できません。"
LOCK_NAMESPACE = 5_101  # pg_advisory_xact_lock(namespace, person): premium balances of a person
MAX_PAYMENT = 10_000_000


class PaymentInvalid(ApplicationError):
    code = "payment_invalid"


def person_lock(resident_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, resident_id])


@dataclass(frozen=True)
class CounterPayment:
    fiscal_year: int
    method: str
    month: date
    amount: int
    paid_on: date
    note: str = ""
    overpay_confirmed: bool = False  # the clerk confirmed taking more than the installment's open amount


OVERPAY_UNCONFIRMED = ("領収金額が選んだ納期の合計（未納の保険料と延滞金）を上回っています。合計を超える金額を過納として"
                       "受け付ける場合は「合計を超える金額を過納として受け付ける」にチェックしてから登録してください。")


def _overpay_margin() -> int:
    """settings.KAIGO_PAYMENT_HOLD_MARGIN: yen above what is due that a payment may exceed without a
    clerk's explicit decision (the payment files hold such a payment; the counter asks)."""
    from django.conf import settings

    return int(settings.KAIGO_PAYMENT_HOLD_MARGIN)


def payment_record_counter(*, actor, resident_id: int, data: CounterPayment) -> Payment:
    """A payment taken at the counter (窓口) for one bill installment of a levied year, all of it to
    the premium. More than the installment's open amount (by more than the margin,
    ``_overpay_margin``) only when the clerk confirmed it (``overpay_confirmed``): it then shows as
    overpaid, to be refunded or offset. The counter screen takes several installments with their late charges
    (``counter_payment_record``). Role (``premium.collect``) and ward scope checked here."""
    require_premium_update(actor, resident_id, permission="premium.collect")
    if data.method != BILLING:
        raise PaymentInvalid(PENSION_NOT_AT_COUNTER)
    if not 0 < data.amount <= MAX_PAYMENT:
        raise PaymentInvalid("金額は1円以上で入力してください。")
    if data.paid_on > timezone.localdate():
        raise PaymentInvalid("納付日に未来の日付は入力できません。")
    with transaction.atomic():
        person_lock(resident_id)
        balance = balance_of(resident_id, data.fiscal_year)
        if balance is None:
            raise PaymentInvalid(f"{data.fiscal_year}年度の保険料は賦課されていません。")
        row = next((r for r in balance.rows if r.method == data.method and r.month == data.month and r.due), None)
        if row is None:
            raise PaymentInvalid("指定された納期は現在の賦課にありません。")
        if data.amount > max(row.open, 0) + _overpay_margin() and not data.overpay_confirmed:
            raise PaymentInvalid(OVERPAY_UNCONFIRMED)
        return Payment.objects.create(
            resident_id=resident_id, fiscal_year=data.fiscal_year, method=data.method, month=data.month,
            channel=PaymentChannel.COUNTER, amount=data.amount, paid_on=data.paid_on,
            booked_on=timezone.localdate(), recorded_by=actor, note=data.note[:200])


def refund_decide(*, actor, resident_id: int, fiscal_year: int, amount: int, reason: str,
                  account: RefundAccount | None = None) -> Settlement:
    """還付: pay back part or all of a year's overpayment, to ``account`` when the refund goes by bank
    transfer (entered by the clerk; the number and the holder stored encrypted with the person's
    data key). Role (``premium.settle``) and ward scope checked here."""
    require_premium_update(actor, resident_id, permission="premium.settle")
    if account is not None:
        account = account_validate(account)
    with transaction.atomic():
        person_lock(resident_id)
        balance = balance_of(resident_id, fiscal_year)
        available = balance.overpaid if balance else 0
        if not 0 < amount <= available:
            raise PaymentInvalid(f"還付できる額は{available:,}円までです。")
        settlement = Settlement(id=number_allocate("premiums_settlement_id_seq")[0], resident_id=resident_id,
                                fiscal_year=fiscal_year, kind=SettlementKind.REFUND, amount=amount,
                                reason=reason[:200], decided_by=actor)
        if account is not None:
            settlement.bank_code, settlement.branch_code = account.bank_code, account.branch_code
            settlement.account_type = account.account_type
            settlement.account_number, settlement.account_holder = account.number, account.holder
        settlement.save(force_insert=True)
        return settlement


def offset_decide(*, actor, resident_id: int, fiscal_year: int, amount: int, to_fiscal_year: int, to_method: str,
                  to_month: date, reason: str) -> Settlement:
    """充当: apply part of a year's overpayment to an open installment of the same person (DOMAIN
    2.13: offset first, refund the rest). Role (``premium.settle``) and ward scope checked here."""
    require_premium_update(actor, resident_id, permission="premium.settle")
    with transaction.atomic():
        person_lock(resident_id)
        source = balance_of(resident_id, fiscal_year)
        available = source.overpaid if source else 0
        if not 0 < amount <= available:
            raise PaymentInvalid(f"充当できる額は{available:,}円までです。")
        target = balance_of(resident_id, to_fiscal_year)
        row = next((r for r in (target.rows if target else ()) if r.method == to_method and r.month == to_month), None)
        if row is None or row.open < amount:
            raise PaymentInvalid(f"充当先の納期の未納額（{row.open if row else 0:,}円）を超えています。")
        payment = Payment.objects.create(
            resident_id=resident_id, fiscal_year=to_fiscal_year, method=to_method, month=to_month,
            channel=PaymentChannel.OFFSET, amount=amount, paid_on=timezone.localdate(),
            booked_on=timezone.localdate(), recorded_by=actor, note=f"{fiscal_year}年度の過納金から充当")
        return Settlement.objects.create(resident_id=resident_id, fiscal_year=fiscal_year, kind=SettlementKind.OFFSET,
                                         amount=amount, offset_payment=payment, reason=reason[:200],
                                         decided_by=actor)


# --- payments held for a decision (保留) ------------------------------------------------------------

HELD_ACTIONS = {"apply": HeldStatus.APPLIED, "return": HeldStatus.RETURNED}


def held_payment_decide(*, actor, held_id: int, action: str, reason: str) -> HeldPayment:
    """A clerk's decision on a payment of a payment file held because it was far beyond what was
    due (premiums.intake.services.payment_file_receive): ``apply`` books it as a Payment of its
    installment, as the file said (the year then shows it overpaid, to be refunded or offset by
    ``refund_decide`` / ``offset_decide``); ``return`` books nothing (返戻: the money goes back
    through the collecting agent). Who decided, when and why is kept on the held row; a decided
    row is not decided again. Role (``premium.settle``, as every decision on an overpayment) and
    ward scope checked here; the person's advisory lock held while deciding."""
    status = HELD_ACTIONS.get(action)
    if status is None:
        raise PaymentInvalid("過納として収納するか返戻するかを選んでください。")
    reason = (reason or "").strip()
    if not reason:
        raise PaymentInvalid("判断の理由を入力してください。")
    resident_id = HeldPayment.objects.filter(pk=held_id).values_list("resident_id", flat=True).first()
    if resident_id is None:
        raise HeldPayment.DoesNotExist("held payment not found")
    require_premium_update(actor, resident_id, permission="premium.settle")
    with transaction.atomic():
        person_lock(resident_id)
        held = HeldPayment.objects.select_for_update().get(pk=held_id)
        if held.status != HeldStatus.HELD:
            raise InvalidState("この収納は既に判断されています。")
        if status == HeldStatus.APPLIED:
            held.payment = Payment.objects.create(
                resident_id=held.resident_id, fiscal_year=held.fiscal_year, method=held.method, month=held.month,
                channel=held.channel, amount=held.amount, paid_on=held.paid_on, booked_on=held.booked_on,
                payment_number=held.payment_number, agent_code=held.agent_code, serial=held.serial,
                file_id=held.file_id, recorded_by=actor, note="保留から過納として収納")
        held.status, held.decided_by, held.decided_at, held.reason = status, actor, timezone.now(), reason[:200]
        held.save(update_fields=["status", "payment", "decided_by", "decided_at", "reason"])
    return held


# --- refunds' accounts ------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundAccount:
    """The account a refund is paid to (還付先口座), as the clerk entered it."""

    bank_code: str
    branch_code: str
    account_type: str  # 1 普通, 2 当座, 4 貯蓄
    number: str  # 口座番号, up to 7 digits
    holder: str  # 口座名義 in katakana


def account_validate(account: RefundAccount) -> RefundAccount:
    """The account with its codes checked against the banks' code list and the holder's name in
    the characters a transfer file allows (kaigo.bank.zengin); PaymentInvalid otherwise."""
    try:
        bank, branch, kind, number, holder = account_normalise(account.bank_code, account.branch_code,
                                                               account.account_type, account.number, account.holder)
    except AccountInvalid as error:
        raise PaymentInvalid(error.message) from error
    return RefundAccount(bank, branch, kind, number, holder)


# --- the counter: several installments and their late charges in one payment -------------------


def counter_payment_record(*, actor, resident_id: int, keys: list[tuple[int, str, date]], amount: int,
                           paid_on: date, note: str = "", overpay_confirmed: bool = False) -> CounterReceipt:
    """A payment taken at the counter for one or several bill installments (``keys``: fiscal year,
    method, month) and their late charges, as one receipt (領収証書). The money goes first to the
    premiums, oldest first (本税優先: a late charge is paid only once its premium is), then to their
    late charges as of ``paid_on`` in the same order; what is left over goes to the last
    installment's premium (overpaid: to be refunded or offset), but only when the clerk confirmed
    it (``overpay_confirmed``; an excess within the margin of ``_overpay_margin`` needs none): the
    receipt records the excess taken (``overpaid``) with who and when. Role (``premium.collect``) and ward
    scope checked here; the person's advisory lock held while deciding."""
    require_premium_update(actor, resident_id, permission="premium.collect")
    if not 0 < amount <= MAX_PAYMENT:
        raise PaymentInvalid("金額は1円以上で入力してください。")
    today = timezone.localdate()
    if paid_on > today:
        raise PaymentInvalid("納付日に未来の日付は入力できません。")
    with transaction.atomic():
        person_lock(resident_id)
        quote = counter_quote(resident_id, keys, paid_on=paid_on)
        excess = max(amount - quote.total, 0)
        if excess > _overpay_margin() and not overpay_confirmed:
            raise PaymentInvalid(OVERPAY_UNCONFIRMED)
        receipt = CounterReceipt.objects.create(resident_id=resident_id, paid_on=paid_on, amount=amount,
                                                overpaid=excess, recorded_by=actor)
        left = amount
        premiums: dict[tuple, int] = {}
        for item in quote.items:
            part = min(left, item.open)
            if part:
                premiums[(item.fiscal_year, item.method, item.month)] = part
                left -= part
        charges: dict[tuple, int] = {}
        if left and sum(premiums.values()) == quote.premium:
            for item in quote.items:
                part = min(left, item.late_charge)
                if part:
                    charges[(item.fiscal_year, item.method, item.month)] = part
                    left -= part
        if left:  # more than asked for: overpaid on the last installment
            last = quote.items[-1]
            key = (last.fiscal_year, last.method, last.month)
            premiums[key] = premiums.get(key, 0) + left
        common = {"resident_id": resident_id, "paid_on": paid_on, "booked_on": today, "recorded_by": actor,
                  "receipt": receipt, "channel": PaymentChannel.COUNTER}
        payments = {key: Payment.objects.create(fiscal_year=key[0], method=key[1], month=key[2], amount=part,
                                                note=note[:200], **common)
                    for key, part in premiums.items()}
        for key, part in charges.items():
            LateChargePayment.objects.create(fiscal_year=key[0], method=key[1], month=key[2], amount=part,
                                             payment=payments.get(key), **common)
    return receipt


# --- the late charge's exemption (延滞金の減免) ------------------------------------------------------


def late_charge_exemption_apply(*, actor, resident_id: int, fiscal_year: int, month: date, reason: str,
                                amount: int | None = None) -> LateChargeExemption:
    """Ask for the 減免 of a bill installment's late charge (the whole charge, or ``amount`` yen),
    with the reason (やむを得ない理由, by the 条例 [CONFIG]); the section chief decides. Role
    (``premium.collect``) and ward scope checked here."""
    require_premium_update(actor, resident_id, permission="premium.collect")
    if not reason.strip():
        raise PaymentInvalid("減免を申請する理由を入力してください。")
    if amount is not None and amount <= 0:
        raise PaymentInvalid("減免額は1円以上で入力してください（全額のときは空欄）。")
    with transaction.atomic():
        person_lock(resident_id)
        year = year_collection(resident_id, fiscal_year, as_of=timezone.localdate())
        charge = year.late_charge(BILLING, month) if year else None
        if charge is None or not charge.open:
            raise PaymentInvalid("この納期に未納の延滞金はありません。")
        if LateChargeExemption.objects.filter(resident_id=resident_id, fiscal_year=fiscal_year, method=BILLING,
                                              month=month, status=ExemptionStatus.APPLIED).exists():
            raise PaymentInvalid("この納期の延滞金の減免は申請中です（所管課長の決定を待ってください）。")
        return LateChargeExemption.objects.create(resident_id=resident_id, fiscal_year=fiscal_year, method=BILLING,
                                                  month=month, amount=amount, reason=reason.strip()[:200],
                                                  applied_by=actor)


def late_charge_exemption_decide(*, actor, exemption_id: int, approve: bool, reason: str) -> LateChargeExemption:
    """The section chief's decision on a late charge's exemption (``premium.reduction.decide``),
    with its reason; never by the clerk who asked (four eyes). The ward scope is checked too."""
    with transaction.atomic():
        exemption = LateChargeExemption.objects.select_for_update().get(pk=exemption_id)
        require_premium_update(actor, exemption.resident_id, permission="premium.reduction.decide")
        if exemption.status != ExemptionStatus.APPLIED:
            raise PaymentInvalid("この申請は決定済みです。")
        if exemption.applied_by_id == actor.pk:
            raise PaymentInvalid("申請を受け付けた職員は決定できません。")
        if not reason.strip():
            raise PaymentInvalid("決定の理由を入力してください。")
        exemption.status = ExemptionStatus.APPROVED if approve else ExemptionStatus.REJECTED
        exemption.decided_by, exemption.decided_at = actor, timezone.now()
        exemption.decision_reason = reason.strip()[:200]
        exemption.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    return exemption


# --- refunds paid by bank transfer (kaigo.bank) -----------------------------------------------------


@dataclass(frozen=True)
class TransferCreated:
    file: BankTransferFile
    data: bytes


@dataclass(frozen=True)
class TransferResults:
    done: int
    failed: int


def transfer_file_create(*, actor, transfer_date: date) -> TransferCreated | None:
    """The 総合振込 file of every refund decided with an account and not yet in a file (None when
    none waits): one BankTransferFile and one line per refund, in one transaction; the file's
    bytes are written by kaigo.bank.zengin (顧客コード1 = the line's id). The head office
    (``premium.settle``, every ward) writes it."""
    if not has_permission(actor, "premium.settle") or home_wards(actor) < ALL_WARDS:
        raise NotPermitted(UPDATE_NOT_PERMITTED)
    sender = city_sender()
    with transaction.atomic():
        waiting = list(Settlement.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            kind=SettlementKind.REFUND, transfer__isnull=True).exclude(bank_code="").order_by("id"))
        if not waiting:
            return None
        file = BankTransferFile.objects.create(transfer_date=transfer_date, records=len(waiting),
                                               total=sum(s.amount for s in waiting), sha256="", created_by=actor)
        lines = BankTransferLine.objects.bulk_create(
            [BankTransferLine(file=file, settlement=s, resident_id=s.resident_id, amount=s.amount) for s in waiting])
        data = transfer_file(sender=sender, transfer_date=transfer_date, transfers=[
            Transfer(s.bank_code, s.branch_code, s.account_type, s.account_number, s.account_holder, s.amount, line.pk)
            for s, line in zip(waiting, lines, strict=True)])
        file.sha256 = hashlib.sha256(data).hexdigest()
        file.save(update_fields=["sha256"])
    return TransferCreated(file, data)


def transfer_results_receive(*, actor, data: bytes) -> TransferResults:
    """The bank's return of a transfer file: each line's result (振込済, or 振込不能 with its reason:
    the refund is to be decided again with another account). A result for a line not sent, or a
    line's amount that differs, refuses the whole file (PaymentInvalid); a result seen before
    changes nothing."""
    if not has_permission(actor, "premium.settle") or home_wards(actor) < ALL_WARDS:
        raise NotPermitted(UPDATE_NOT_PERMITTED)
    try:
        returned = transfer_results(data)
    except BankFileInvalid as error:
        raise PaymentInvalid(error.message) from error
    with transaction.atomic():
        lines = BankTransferLine.objects.select_for_update().in_bulk([t.reference for t in returned.transfers])
        done = failed = 0
        for t in returned.transfers:
            line = lines.get(t.reference)
            if line is None or line.amount != t.amount:
                raise PaymentInvalid(f"{t.line_no}行目: 送った振込ファイルにない振込です（顧客コード・金額）。")
            if line.status != TransferStatus.SENT:
                continue
            line.status = TransferStatus.DONE if t.done else TransferStatus.FAILED
            line.result_code = t.result
            line.save(update_fields=["status", "result_code"])
            done, failed = done + t.done, failed + (not t.done)
        BankTransferFile.objects.filter(pk__in={line.file_id for line in lines.values()}).update(
            result_received_at=timezone.now())
    return TransferResults(done, failed)
