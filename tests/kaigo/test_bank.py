"""The 全銀協 総合振込 file (kaigo.bank.zengin): its records, an account's checks, the bank's return read
strictly, and the simulator of that return (linkage.bank)."""

from __future__ import annotations

from datetime import date

import pytest

from kaigo.bank.zengin import (
    RECORD_BYTES,
    SOGO_FURIKOMI,
    AccountInvalid,
    BankFileInvalid,
    Sender,
    Transfer,
    account_normalise,
    katakana_field,
    masked,
    transfer_file,
    transfer_results,
)
from linkage.bank.simulator import bank_return

SENDER = Sender("0000000001", "ｶﾜｻｷｼ", "0001", "001", "1", "0000001")
T1 = Transfer("0001", "001", "1", "0001234", "ﾔﾏﾀﾞ ﾀﾛｳ", 3_000, 41)
T2 = Transfer("0005", "001", "2", "7654321", "ｽｽﾞｷ ﾊﾅｺ", 12_345, 42)


def sent() -> bytes:
    return transfer_file(sender=SENDER, transfer_date=date(2026, 12, 10), transfers=[T1, T2])


def test_every_record_is_120_bytes_and_the_trailer_counts_and_sums():
    data = sent()
    lines = data.split(b"\r\n")[:-1]
    assert [len(line) for line in lines] == [RECORD_BYTES] * 5
    assert [line[:1] for line in lines] == [b"1", b"2", b"2", b"8", b"9"]
    assert lines[0][1:3] == b"21" and lines[0][54:58] == b"1210"  # 種別コード, 振込指定日 MMDD
    assert lines[1][80:90] == b"0000003000" and lines[1][91:101] == b"0000000041"  # 振込金額, 顧客コード1
    assert lines[3][1:7] == b"000002" and lines[3][7:19] == b"000000015345"


@pytest.mark.parametrize("entered,expected", [
    ("やまだ　たろう", "ﾔﾏﾀﾞ ﾀﾛｳ"),
    ("キャノン（カ）", "ｷﾔﾉﾝ(ｶ)"),  # small kana made large, full-width signs half-width
    ("ｙａｍａｄａ", "YAMADA"),
])
def test_a_holders_name_is_folded_to_the_files_characters(entered, expected):
    assert katakana_field(entered) == expected


@pytest.mark.parametrize("account,message", [
    (("9999", "001", "1", "1", "ﾔﾏﾀﾞ"), "金融機関コード"),
    (("0001", "999", "1", "1", "ﾔﾏﾀﾞ"), "支店コード"),
    (("0001", "001", "7", "1", "ﾔﾏﾀﾞ"), "預金種目"),
    (("0001", "001", "1", "12345678", "ﾔﾏﾀﾞ"), "口座番号"),
    (("0001", "001", "1", "1", "山田"), "口座名義"),
])
def test_an_account_is_refused_with_what_is_wrong_never_its_value(account, message):
    with pytest.raises(AccountInvalid) as refused:
        account_normalise(*account)
    assert message in refused.value.message and account[3] not in refused.value.message.replace("7桁", "")


def test_an_account_is_normalised_and_shown_by_its_last_digits():
    assert account_normalise("０００１", "001", "1", "１２３", "ﾔﾏﾀﾞ") == ("0001", "001", "1", "0000123", "ﾔﾏﾀﾞ")
    assert masked("0001234") == "＊＊＊＊234" and masked(None) == ""


def test_the_banks_return_is_read_with_each_result():
    returned = transfer_results(bank_return(sent(), failures={42: "1"}))
    assert [(t.reference, t.amount, t.result, t.done) for t in returned.transfers] == [
        (41, 3_000, "0", True), (42, 12_345, "1", False)]
    assert returned.transfer_date == "1210"


@pytest.mark.parametrize("spoil,message", [
    (lambda d: d.replace(b"000000015345", b"000000015346"), "トレーラー"),
    (lambda d: d[:-3] + d[-2:], "120バイト"),
    (lambda d: d.replace(b"\r\n2", b"\r\n3", 1), "データ区分"),
    (lambda d: d, "振込結果コード"),  # the file as sent: no result
])
def test_a_spoilt_return_is_refused_naming_the_line_and_field(spoil, message):
    data = sent() if message == "振込結果コード" else bank_return(sent())
    with pytest.raises(BankFileInvalid, match=message):
        transfer_results(spoil(data))


def test_the_layout_is_data_and_every_record_kind_is_120_bytes():
    SOGO_FURIKOMI.check()
