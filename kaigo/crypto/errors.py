from kaigo.errors import ApplicationError


class CryptoError(ApplicationError):
    code = "crypto_error"


class MissingKey(CryptoError):
    """A key-encryption key version named by a wrapped data key is not in the keyring."""

    code = "missing_key"


class CorruptCiphertext(CryptoError):
    """A value failed authentication: altered, truncated, or moved to another row or column."""

    code = "corrupt_ciphertext"


class ShreddedPerson(CryptoError):
    """The person's data key was destroyed: their encrypted fields can no longer be read."""

    code = "shredded"
