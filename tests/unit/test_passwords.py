import pytest

from lms.auth.passwords import MIN_LENGTH, hash_password, needs_rehash, password_problems, verify_password

CONFIG = {"PASSWORD_HASH_PARAMS": (1, 1024, 1)}


@pytest.mark.parametrize("password", ["password", "12345678", "qwertyuiop", "iloveyou", "Password1", "letmein"])
def test_common_or_short_passwords_are_refused(password):
    assert password_problems(password)


@pytest.mark.parametrize("password", ["passwordpassword", "123456789012", "qwertyuiop12", "Sunshine2026!!",
                                      "iloveyou!!!!!!", "abcabcabcabcabc"])
def test_long_but_common_passwords_are_refused(password):
    assert any("common" in p for p in password_problems(password))


def test_trivial_repetition_is_refused():
    assert password_problems("aaaaaaaaaaaaaaaa")


@pytest.mark.parametrize("password", [
    "correct horse battery staple",
    "Żółć gęślą jaźń 2026!",
    "パスワードは長いほうがいい",
    "🩺 stethoscope and coffee ☕",
    " ".join(f"ward{n} rounds" for n in range(150)),  # about 1,900 characters
])
def test_long_and_unicode_passphrases_are_accepted_and_verify(password):
    assert password_problems(password) == []
    stored = hash_password(password, CONFIG)
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, password, CONFIG)
    assert not verify_password(stored, password + "x", CONFIG)


def test_unicode_is_normalised_so_composed_and_decomposed_forms_match():
    composed, decomposed = "caf\u00e9 au lait tous les jours", "cafe\u0301 au lait tous les jours"
    assert verify_password(hash_password(composed, CONFIG), decomposed, CONFIG)


def test_password_based_on_email_is_refused():
    assert any("name or email" in p for p in password_problems("jane.doe.clinic", email="jane.doe.clinic@example.org"))


def test_minimum_length_boundary():
    phrase = "zq" + "mvbnhgtrfd"[: MIN_LENGTH - 2]
    assert len(phrase) == MIN_LENGTH and password_problems(phrase) == []
    assert password_problems(phrase[:-1])


def test_missing_account_verifies_false_without_error():
    assert verify_password(None, "anything at all", CONFIG) is False
    assert verify_password("not-a-hash", "anything at all", CONFIG) is False


def test_weaker_hashes_are_upgraded():
    weak = hash_password("correct horse battery staple", CONFIG)
    assert needs_rehash(weak, {"PASSWORD_HASH_PARAMS": (3, 65536, 4)})
    assert not needs_rehash(weak, CONFIG)
