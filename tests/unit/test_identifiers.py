import pytest

from lms.users.identifiers import birth_day_problem, luhn_valid, nabp_problem, npi_problem


@pytest.mark.parametrize("npi", ["1234567893", "1245319599", "1679576722"])
def test_valid_npis(npi):
    assert npi_problem(npi) is None


@pytest.mark.parametrize("npi", ["1234567890", "1234567894", "1245319590"])
def test_bad_check_digit_is_named(npi):
    assert "check digit" in npi_problem(npi)


@pytest.mark.parametrize("npi", ["", "123456789", "12345678901", "12345 6789", "abcdefghij", "１２３４５６７８９３", "123456789\n"])
def test_npi_must_be_ten_ascii_digits(npi):
    assert "10 digits" in npi_problem(npi)


def test_luhn_uses_the_health_industry_prefix():
    # 1234567893 is CMS's published example; without the 80840 prefix it fails Luhn.
    assert luhn_valid("808401234567893")
    assert not luhn_valid("1234567893")


def test_nabp_id():
    assert nabp_problem("1234567") is None
    assert nabp_problem("12a") is not None
    assert nabp_problem("12345678901") is not None
    for typo in ("1", "12345", "0123456", "12345678", " 1234567"):
        assert nabp_problem(typo) is not None, typo
    assert nabp_problem("123456") is None


@pytest.mark.parametrize("month,day,ok", [(2, 29, True), (2, 30, False), (4, 31, False), (12, 31, True),
                                          (None, None, True), (3, None, False), (None, 3, False), (1, 0, False)])
def test_birth_month_and_day(month, day, ok):
    assert (birth_day_problem(month, day) is None) is ok
