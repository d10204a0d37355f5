"""Blind indexes: keyed, truncated HMAC of a normalised value, for exact-match search on
encrypted fields (no LIKE on ciphertext).

Each index has its own key, derived from the keyring's blind-index root with HKDF, and keeps
only ``bits`` bits of the HMAC: several persons share an index value, so a search decrypts the
few candidates and compares, and a leaked index key does not reveal the full value (a My Number
has about 36.5 bits; see docs/adr/0005-field-encryption.md for the sizes chosen).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kaigo.crypto.keyring import get_keyring

_SPACES = re.compile(r"[\s\u3000・･\-‐－ー]+")
_DIGIT_NOISE = re.compile(r"[\s\u3000\-‐－ー]+")
_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)}


def normalise_kana(value: str) -> str:
    """Full-width katakana without spaces: half-width and hiragana are folded, so that
    "ﾔﾏﾀﾞ ﾀﾛｳ", "やまだ　たろう" and "ヤマダタロウ" index alike. Long-vowel marks are kept."""
    text = unicodedata.normalize("NFKC", value).translate(_HIRAGANA_TO_KATAKANA)
    return re.sub(r"[\s\u3000・]+", "", text)


def normalise_digits(value: str) -> str:
    """ASCII digits only: full-width digits folded, spaces and hyphens removed."""
    return _DIGIT_NOISE.sub("", unicodedata.normalize("NFKC", value))


@dataclass(frozen=True)
class BlindIndex:
    name: str
    bits: int

    def of_normalised(self, normalised: str) -> int:
        """The index of a value already normalised by the index's rule: for the functions below
        only, which normalise first (so no writer or search can derive an index another way)."""
        key = _index_key(self.name, get_keyring().bidx_root)
        digest = hmac.digest(key, normalised.encode("utf-8"), hashlib.sha256)
        return int.from_bytes(digest[:4], "big") >> (32 - self.bits)


@lru_cache(maxsize=64)
def _index_key(name: str, root: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=f"bidx|{name}|v1".encode()).derive(root)


# The indexes of a resident (sizes for a city of 1.5 million: see the ADR). Private: an index is
# derived only through the functions below, each normalising its value the one way.
_MY_NUMBER = BlindIndex("my_number", 20)
_KANA_NAME = BlindIndex("kana_name", 18)
_KANA_SURNAME_BIRTH = BlindIndex("kana_surname_birth", 18)


def my_number_index(my_number: str) -> int:
    return _MY_NUMBER.of_normalised(normalise_digits(my_number))


def kana_name_index(kana_name: str) -> int:
    return _KANA_NAME.of_normalised(normalise_kana(kana_name))


def kana_surname_birth_index(kana_surname: str, birth_date: date) -> int:
    return _KANA_SURNAME_BIRTH.of_normalised(f"{normalise_kana(kana_surname)}|{birth_date.isoformat()}")
