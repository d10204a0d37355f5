"""Ciphertext formats, blind indexes and normalisation (no database)."""

from __future__ import annotations

import pytest

from kaigo.crypto import envelope
from kaigo.crypto.blind_index import kana_name_index, my_number_index, normalise_digits, normalise_kana
from kaigo.crypto.errors import CorruptCiphertext, MissingKey
from kaigo.crypto.keyring import Keyring, new_keyring

DEK = bytes(range(32))
AAD = envelope.field_aad("eligibility_resident", "name_kanji_ct", 100000001, 100000001)


def test_seal_and_open_round_trip_with_random_nonces():
    first = envelope.seal(DEK, 1, "試験 太郎", AAD)
    second = envelope.seal(DEK, 1, "試験 太郎", AAD)
    assert first != second  # a fresh nonce every time
    assert first[:3] == b"E1\x01" and len(first) == 2 + 1 + 12 + len("試験 太郎".encode()) + 16
    assert envelope.open_sealed(DEK, first, AAD) == "試験 太郎"


@pytest.mark.parametrize(
    "other_aad",
    [
        pytest.param(envelope.field_aad("eligibility_resident", "address_ct", 100000001, 100000001), id="other-column"),
        pytest.param(envelope.field_aad("eligibility_resident", "name_kanji_ct", 100000002, 100000002), id="other-person"),
        pytest.param(envelope.field_aad("eligibility_household", "name_kanji_ct", 100000001, 100000001), id="other-table"),
    ],
)
def test_a_value_moved_elsewhere_does_not_decrypt(other_aad):
    blob = envelope.seal(DEK, 1, "試験 太郎", AAD)
    with pytest.raises(CorruptCiphertext, match="復号できません"):
        envelope.open_sealed(DEK, blob, other_aad)


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda b: b[:-1] + bytes([b[-1] ^ 1]), id="flipped-tag-bit"),
        pytest.param(lambda b: b[:20] + bytes([b[20] ^ 1]) + b[21:], id="flipped-ciphertext-bit"),
        pytest.param(lambda b: b[:-5], id="truncated"),
        pytest.param(lambda b: b"X1" + b[2:], id="unknown-format"),
        pytest.param(lambda b: b"E1", id="too-short"),
    ],
)
def test_altered_ciphertext_fails_closed(mangle):
    blob = envelope.seal(DEK, 1, "試験 太郎", AAD)
    with pytest.raises(CorruptCiphertext):
        envelope.open_sealed(DEK, mangle(blob), AAD)


def test_wrapped_key_is_bound_to_person_and_version():
    kek = bytes(32)
    wrapped = envelope.wrap(kek, DEK, envelope.wrap_aad(7, "kek-1"))
    assert envelope.unwrap(kek, wrapped, envelope.wrap_aad(7, "kek-1")) == DEK
    with pytest.raises(CorruptCiphertext):
        envelope.unwrap(kek, wrapped, envelope.wrap_aad(8, "kek-1"))
    with pytest.raises(CorruptCiphertext):
        envelope.unwrap(bytes([1]) * 32, wrapped, envelope.wrap_aad(7, "kek-1"))


def test_keyring_round_trips_and_names_a_missing_version():
    ring = new_keyring(environment="development", kek_version="kek-1").with_new_kek("kek-2")
    again = Keyring.from_json(ring.to_json())
    assert again.kek_active == "kek-2" and set(again.keks) == {"kek-1", "kek-2"}
    assert again.kek("kek-1") == ring.kek("kek-1")
    with pytest.raises(MissingKey, match="kek-9"):
        again.kek("kek-9")
    assert "keks" not in repr(ring) or ring.kek("kek-1").hex() not in repr(ring)


def test_the_seal_key_signs_and_a_keyring_from_before_it_still_loads():
    ring = new_keyring(environment="development", kek_version="kek-1")
    again = Keyring.from_json(ring.to_json())
    version, key = again.seal_signer()
    assert version == "seal-1" and ring.seal_keys["seal-1"].hex() not in repr(ring)
    again.seal_public("seal-1").verify(key.sign(b"head"), b"head")  # raises if it does not verify
    with pytest.raises(MissingKey, match="seal-9"):
        again.seal_public("seal-9")
    import json

    older = json.loads(ring.to_json())
    del older["seal"]
    loaded = Keyring.from_json(json.dumps(older))
    assert loaded.seal_signer() is None
    assert loaded.with_seal_key("seal-1").seal_signer()[0] == "seal-1"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("ヤマダ タロウ", "ヤマダタロウ", id="full-width-with-space"),
        pytest.param("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダタロウ", id="half-width"),
        pytest.param("やまだ　たろう", "ヤマダタロウ", id="hiragana-ideographic-space"),
        pytest.param("ヤマダ・タロウ", "ヤマダタロウ", id="middle-dot"),
        pytest.param("サトウ ユーコ", "サトウユーコ", id="long-vowel-kept"),
        pytest.param("ｻﾄｳ ﾕｰｺ", "サトウユーコ", id="half-width-long-vowel"),
    ],
)
def test_kana_is_normalised_before_indexing(raw, expected):
    assert normalise_kana(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("123456789018", "123456789018"), ("１２３４ ５６７８ ９０１８", "123456789018"), ("1234-5678-9018", "123456789018")],
)
def test_digits_are_normalised(raw, expected):
    assert normalise_digits(raw) == expected


def test_blind_indexes_match_across_spellings_and_are_truncated(test_keyring):
    assert kana_name_index("ﾔﾏﾀﾞ ﾀﾛｳ") == kana_name_index("やまだ たろう") == kana_name_index("ヤマダタロウ")
    assert kana_name_index("ヤマダタロウ") != kana_name_index("ヤマダハナコ")
    assert 0 <= my_number_index("123456789018") < 2**20
    assert my_number_index("１２３４５６７８９０１８") == my_number_index("123456789018")
