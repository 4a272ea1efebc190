"""Learner identifiers accreditors ask for, validated as their issuers define them."""

from __future__ import annotations

import calendar
import re

US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts",
    "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico",
    "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "PR": "Puerto Rico", "GU": "Guam",
    "VI": "U.S. Virgin Islands",
}

CERTIFYING_BOARDS = [
    "ABIM", "ABFM", "ABP", "ABS", "ABA", "ABEM", "ABPN", "ABR", "ABOG", "ABO", "ABOHNS", "ABOS", "ABTS",
    "ABOto", "ABPath", "ABPMR", "ABU", "ABD", "AOA", "Other",
]

_NPI = re.compile(r"[0-9]{10}")
# NABP assigns each pharmacist and technician an e-Profile ID of six or seven digits (nabp.pharmacy
# e-Profile help; CPE Monitor matches on it with the birth month and day). "1" or "0000001" is a typo.
_NABP = re.compile(r"[1-9][0-9]{5,6}")


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def npi_problem(npi: str) -> str | None:
    """Why ``npi`` is not a valid National Provider Identifier, or None if it is.

    CMS defines the check digit as the Luhn check digit over "80840" (the health
    industry prefix of ISO 7812) followed by the NPI's first nine digits.
    """
    if not _NPI.fullmatch(npi):
        return "An NPI is exactly 10 digits, with no spaces or letters."
    if not luhn_valid("80840" + npi):
        return "This NPI's check digit is wrong: please re-check the 10 digits against your NPPES record."
    return None


def nabp_problem(value: str) -> str | None:
    if not _NABP.fullmatch(value):
        return "The NABP e-Profile ID is the 6- or 7-digit number NABP gave you (see your NABP e-Profile)."
    return None


def birth_day_problem(month: int | None, day: int | None) -> str | None:
    if month is None and day is None:
        return None
    if month is None or day is None:
        return "Give both the month and the day of birth, or neither."
    # Checked against a leap year: 29 February is a real birthday.
    if not 1 <= day <= calendar.monthrange(2000, month)[1]:
        return f"{calendar.month_name[month]} has no day {day}."
    return None
