"""The 全銀協 総合振込 file (種別コード 21): fixed records of 120 bytes in JIS X 0201 (digits, upper-case
letters, half-width katakana, a few signs), one header, data records, a trailer with the count and
the total, an end record (DOMAIN 18; docs/subsystems/bank-transfer.md).

The layout is data (``Layout``: each record kind a tuple of ``Field``), so that a bank whose file
differs (EBCDIC, the 顧客コード's use, where its return carries the result) gets its own
``BankProfile`` without new code. ``transfer_file`` writes a file, ``transfer_results`` reads the
bank's return of it strictly (lengths, record order, the trailer's count and total; a line's error
names its line and field, never its value). Accounts are checked with ``account_normalise``: the
bank and branch codes against the ``zengin-code`` package's list (updated monthly), the holder's
name folded to the characters a transfer file allows (``jaconv``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import jaconv
from zengin_code import Bank

from kaigo.errors import ApplicationError

RECORD_BYTES = 120
NEWLINE = b"\r\n"


class AccountInvalid(ApplicationError):
    code = "bank_account_invalid"


class BankFileInvalid(ApplicationError):
    code = "bank_file_invalid"


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # the manual's name (Japanese), for errors
    width: int
    numeric: bool = False  # N: digits, right-aligned, zero-padded; else C: left-aligned, space-padded
    fixed: str | None = None  # a constant (データ区分, 種別コード)


@dataclass(frozen=True)
class Layout:
    header: tuple[Field, ...]
    data: tuple[Field, ...]
    trailer: tuple[Field, ...]
    end: tuple[Field, ...]

    def check(self) -> None:
        for kind in (self.header, self.data, self.trailer, self.end):
            width = sum(f.width for f in kind)
            if width != RECORD_BYTES:
                raise ValueError(f"a record of {width} bytes, not {RECORD_BYTES}")


SOGO_FURIKOMI = Layout(
    header=(
        Field("record", "データ区分", 1, True, "1"),
        Field("kind", "種別コード", 2, True, "21"),
        Field("code_type", "コード区分", 1, True, "0"),
        Field("sender_code", "振込依頼人コード", 10, True),
        Field("sender_name", "振込依頼人名", 40),
        Field("transfer_date", "振込指定日", 4, True),
        Field("bank_code", "仕向銀行番号", 4, True),
        Field("bank_name", "仕向銀行名", 15),
        Field("branch_code", "仕向支店番号", 3, True),
        Field("branch_name", "仕向支店名", 15),
        Field("account_type", "預金種目（依頼人）", 1, True),
        Field("account_number", "口座番号（依頼人）", 7, True),
        Field("dummy", "ダミー", 17),
    ),
    data=(
        Field("record", "データ区分", 1, True, "2"),
        Field("bank_code", "被仕向銀行番号", 4, True),
        Field("bank_name", "被仕向銀行名", 15),
        Field("branch_code", "被仕向支店番号", 3, True),
        Field("branch_name", "被仕向支店名", 15),
        Field("clearing_house", "手形交換所番号", 4, True, "0000"),
        Field("account_type", "預金種目", 1, True),
        Field("account_number", "口座番号", 7, True),
        Field("holder", "受取人名", 30),
        Field("amount", "振込金額", 10, True),
        Field("new_code", "新規コード", 1, True),
        Field("customer_code1", "顧客コード1", 10, True),
        Field("customer_code2", "顧客コード2", 10, True),
        Field("transfer_kind", "振込指定区分", 1, True),
        Field("mark", "識別表示", 1),
        Field("dummy", "ダミー", 6),
        Field("result", "振込結果コード", 1),  # the dummy's last byte: blank as sent, the bank's result on return
    ),
    trailer=(
        Field("record", "データ区分", 1, True, "8"),
        Field("count", "合計件数", 6, True),
        Field("total", "合計金額", 12, True),
        Field("dummy", "ダミー", 101),
    ),
    end=(
        Field("record", "データ区分", 1, True, "9"),
        Field("dummy", "ダミー", 119),
    ),
)
SOGO_FURIKOMI.check()


class TransferResult:
    """振込結果コード of the bank's return [K?: each bank's own codes; these are the project's]."""

    DONE = "0"
    LABELS = {"0": "振込済", "1": "口座なし", "2": "口座名義相違", "3": "預金種目相違", "4": "取引停止", "9": "その他"}


@dataclass(frozen=True)
class BankProfile:
    """One bank's file: its layout and character encoding (Shift_JIS's single bytes are JIS X 0201
    for the allowed characters; a bank on EBCDIC gets its own codec)."""

    name: str
    layout: Layout = SOGO_FURIKOMI
    encoding: str = "shift_jis"
    transfer_kind: str = "7"  # 振込指定区分: 7 電信


DEFAULT_PROFILE = BankProfile("全銀協標準")


@dataclass(frozen=True)
class Sender:
    """The city as 振込依頼人: its code with the bank and its account."""

    code: str
    name: str  # half-width katakana
    bank_code: str
    branch_code: str
    account_type: str
    account_number: str


@dataclass(frozen=True)
class Transfer:
    """One payment out: the account (checked by ``account_normalise``), the amount, and the payer's own
    reference (顧客コード1: the row that asked for it)."""

    bank_code: str
    branch_code: str
    account_type: str
    account_number: str
    holder: str
    amount: int
    reference: int


# --- accounts -------------------------------------------------------------------------------------

ACCOUNT_TYPES = {"1": "普通", "2": "当座", "4": "貯蓄", "9": "その他"}
SMALL_KANA = str.maketrans("ｧｨｩｪｫｯｬｭｮ", "ｱｲｳｴｵﾂﾔﾕﾖ")
ALLOWED = re.compile(r"[0-9A-Zｦ-ﾟ ().,\-/]*")  # digits, A-Z, half-width katakana (with ﾞﾟｰ), signs


def katakana_field(text: str) -> str:
    """Text as a transfer file carries it: half-width katakana, digits and upper-case letters
    (small kana made large, hiragana to katakana, full-width to half-width), trimmed."""
    folded = jaconv.z2h(jaconv.hira2kata(text.strip()), kana=True, digit=True, ascii=True)
    folded = folded.replace("\u3000", " ").upper().translate(SMALL_KANA)
    return re.sub(" +", " ", folded)


def account_normalise(bank_code: str, branch_code: str, account_type: str, number: str,
                      holder: str) -> tuple[str, str, str, str, str]:
    """(bank code, branch code, account type, 7-digit number, holder in half-width katakana) or
    AccountInvalid with what is wrong (the value is never repeated)."""
    problems = []
    bank_code, branch_code = jaconv.z2h(bank_code.strip(), digit=True), jaconv.z2h(branch_code.strip(), digit=True)
    bank = Bank.all.get(bank_code) if re.fullmatch(r"[0-9]{4}", bank_code) else None
    if bank is None:
        problems.append("金融機関コードが全銀協の一覧にありません（4桁の数字）。")
    elif not re.fullmatch(r"[0-9]{3}", branch_code) or branch_code not in bank.branches:
        problems.append("支店コードがその金融機関の一覧にありません（3桁の数字）。")
    if account_type not in ACCOUNT_TYPES:
        problems.append("預金種目を選んでください。")
    number = jaconv.z2h(number.strip(), digit=True)
    if not re.fullmatch(r"[0-9]{1,7}", number):
        problems.append("口座番号は7桁以内の数字で入力してください。")
    name = katakana_field(holder)
    if not name or not ALLOWED.fullmatch(name) or len(name) > 30:
        problems.append("口座名義はカナ30文字以内で入力してください（使えるのはカナ、英大文字、数字、空白と ( ) . - /）。")
    if problems:
        raise AccountInvalid(" ".join(problems))
    return bank_code, branch_code, account_type, number.zfill(7), name


def bank_names(bank_code: str, branch_code: str) -> tuple[str, str]:
    """The bank's and branch's names in half-width katakana, as the file carries them."""
    bank = Bank.all[bank_code]
    return katakana_field(bank.kana), katakana_field(bank.branches[branch_code].kana)


def masked(number: str | None, shown: int = 3) -> str:
    """An account number as screens show it: only the last digits (＊＊＊＊567)."""
    if not number:
        return ""
    return "＊" * max(len(number) - shown, 0) + number[-shown:]


# --- the file --------------------------------------------------------------------------------------


def _record(fields: Sequence[Field], values: dict[str, object], encoding: str) -> bytes:
    out = b""
    for f in fields:
        value = f.fixed if f.fixed is not None else values.get(f.name, "")
        text = str(value if value is not None else "")
        if f.numeric:
            text = text or "0"
            if not text.isascii() or not text.isdigit() or len(text) > f.width:
                raise ValueError(f"{f.label}: not {f.width} digits")
            raw = text.zfill(f.width).encode("ascii")
        else:
            raw = text.encode(encoding)[:f.width]
            raw = raw + b" " * (f.width - len(raw))
        out += raw
    if len(out) != RECORD_BYTES:
        raise ValueError("record length")
    return out


def transfer_file(*, sender: Sender, transfer_date: date, transfers: Sequence[Transfer],
                  profile: BankProfile = DEFAULT_PROFILE) -> bytes:
    """The 総合振込 file of ``transfers`` (CRLF after each record)."""
    layout, enc = profile.layout, profile.encoding
    bank_name, branch_name = bank_names(sender.bank_code, sender.branch_code)
    records = [_record(layout.header, {
        "sender_code": sender.code, "sender_name": sender.name, "transfer_date": f"{transfer_date:%m%d}",
        "bank_code": sender.bank_code, "bank_name": bank_name, "branch_code": sender.branch_code,
        "branch_name": branch_name, "account_type": sender.account_type, "account_number": sender.account_number,
    }, enc)]
    for t in transfers:
        if not 0 < t.amount < 10**10:
            raise ValueError("amount")
        bank, branch = bank_names(t.bank_code, t.branch_code)
        records.append(_record(layout.data, {
            "bank_code": t.bank_code, "bank_name": bank, "branch_code": t.branch_code, "branch_name": branch,
            "account_type": t.account_type, "account_number": t.account_number, "holder": t.holder,
            "amount": t.amount, "new_code": "0", "customer_code1": t.reference, "customer_code2": 0,
            "transfer_kind": profile.transfer_kind,
        }, enc))
    records.append(_record(layout.trailer, {"count": len(transfers), "total": sum(t.amount for t in transfers)}, enc))
    records.append(_record(layout.end, {}, enc))
    return b"".join(r + NEWLINE for r in records)


@dataclass(frozen=True)
class ReturnedTransfer:
    line_no: int
    reference: int  # 顧客コード1
    amount: int
    result: str  # TransferResult code

    @property
    def done(self) -> bool:
        return self.result == TransferResult.DONE


@dataclass
class ReturnedFile:
    transfer_date: str  # MMDD
    transfers: list[ReturnedTransfer] = field(default_factory=list)


def _fields(fields: Sequence[Field], raw: bytes, encoding: str, line_no: int) -> dict[str, str]:
    values, at = {}, 0
    for f in fields:
        chunk = raw[at:at + f.width]
        at += f.width
        try:
            text = chunk.decode(encoding)
        except UnicodeDecodeError:
            raise BankFileInvalid(f"{line_no}行目: {f.label}に使えない文字があります。") from None
        if f.numeric and not (text.isascii() and text.isdigit()):
            raise BankFileInvalid(f"{line_no}行目: {f.label}は{f.width}桁の数字でなければなりません。")
        if f.fixed is not None and text != f.fixed:
            raise BankFileInvalid(f"{line_no}行目: {f.label}が正しくありません。")
        values[f.name] = text
    return values


def transfer_results(data: bytes, *, profile: BankProfile = DEFAULT_PROFILE) -> ReturnedFile:
    """The bank's return of a 総合振込 file, each data record with its 振込結果コード; BankFileInvalid
    (Japanese, the line and field named) for a record that is not 120 bytes, out of order, of an
    unknown result, or a trailer whose count or total does not match."""
    layout, enc = profile.layout, profile.encoding
    lines = data.split(NEWLINE)
    if lines and lines[-1] == b"":
        lines.pop()
    if len(lines) < 3:
        raise BankFileInvalid("ヘッダー・トレーラー・エンドのレコードがありません。")
    for no, line in enumerate(lines, 1):
        if len(line) != RECORD_BYTES:
            raise BankFileInvalid(f"{no}行目: レコードが{RECORD_BYTES}バイトではありません。")
    header = _fields(layout.header, lines[0], enc, 1)
    result = ReturnedFile(header["transfer_date"])
    for no, line in enumerate(lines[1:-2], 2):
        values = _fields(layout.data, line, enc, no)
        if values["result"] not in TransferResult.LABELS:
            raise BankFileInvalid(f"{no}行目: 振込結果コードが正しくありません。")
        result.transfers.append(ReturnedTransfer(no, int(values["customer_code1"]), int(values["amount"]),
                                                 values["result"]))
    trailer = _fields(layout.trailer, lines[-2], enc, len(lines) - 1)
    _fields(layout.end, lines[-1], enc, len(lines))
    if int(trailer["count"]) != len(result.transfers) or int(trailer["total"]) != sum(
            t.amount for t in result.transfers):
        raise BankFileInvalid("トレーラーの合計件数・合計金額がデータレコードと一致しません。")
    return result


def city_sender() -> Sender:
    """The city as 振込依頼人 (setting KAIGO_BANK_SENDER); AccountInvalid when it is not set."""
    from django.conf import settings

    parts = [p.strip() for p in (settings.KAIGO_BANK_SENDER or "").split(",")]
    if len(parts) != 6:
        raise AccountInvalid("振込依頼人（市の口座）が設定されていないため、振込ファイルを作成できません（KAIGO_BANK_SENDER）。")
    code, name, bank, branch, kind, number = parts
    return Sender(code.zfill(10), katakana_field(name), bank, branch, kind, number.zfill(7))
