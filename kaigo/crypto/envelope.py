"""Ciphertext formats.

Field value:  b"E1" | dek_gen (1 byte) | nonce (12) | AES-GCM ciphertext and tag
              AAD = "E1|<table>|<column>|<person id>|<row id>"
Wrapped key:  b"W1" | nonce (12) | AES-GCM(kek, dek), AAD = "dek|<person id>|<kek version>"

The associated data binds a value to its place: a value copied to another row, column or
person fails authentication instead of decrypting. Nonces are random (96 bits) per encryption.
"""

from __future__ import annotations

import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kaigo.crypto.errors import CorruptCiphertext

FIELD_PREFIX = b"E1"
WRAP_PREFIX = b"W1"
NONCE_BYTES = 12


@lru_cache(maxsize=4096)
def _aead(key: bytes) -> AESGCM:
    # One AESGCM object per key and process (building it costs more than an encryption).
    return AESGCM(key)


def field_aad(table: str, column: str, person_id: int, row_id: int) -> bytes:
    return f"E1|{table}|{column}|{person_id}|{row_id}".encode()


def seal(dek: bytes, gen: int, plaintext: str, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return FIELD_PREFIX + bytes([gen]) + nonce + _aead(dek).encrypt(nonce, plaintext.encode("utf-8"), aad)


def is_sealed(value) -> bool:
    return isinstance(value, bytes | bytearray | memoryview) and bytes(value[:2]) == FIELD_PREFIX and len(value) >= 31


def open_sealed(dek: bytes, blob: bytes, aad: bytes) -> str:
    blob = bytes(blob)
    if not is_sealed(blob):
        raise CorruptCiphertext("暗号化された値の形式が正しくありません。")
    nonce = blob[3 : 3 + NONCE_BYTES]
    try:
        return _aead(dek).decrypt(nonce, blob[3 + NONCE_BYTES :], aad).decode("utf-8")
    except InvalidTag:
        raise CorruptCiphertext("暗号化された値を復号できません（改ざん、破損、または別の行・項目の値）。") from None


def sealed_generation(blob: bytes) -> int:
    return bytes(blob)[2]


def wrap_aad(person_id: int, kek_version: str) -> bytes:
    return f"dek|{person_id}|{kek_version}".encode()


def wrap(kek: bytes, dek: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return WRAP_PREFIX + nonce + _aead(kek).encrypt(nonce, dek, aad)


def unwrap(kek: bytes, blob: bytes, aad: bytes) -> bytes:
    blob = bytes(blob)
    if blob[:2] != WRAP_PREFIX:
        raise CorruptCiphertext("データ鍵の形式が正しくありません。")
    try:
        return _aead(kek).decrypt(blob[2 : 2 + NONCE_BYTES], blob[2 + NONCE_BYTES :], aad)
    except InvalidTag:
        raise CorruptCiphertext("データ鍵を復号できません（鍵の誤り、または改ざん）。") from None
