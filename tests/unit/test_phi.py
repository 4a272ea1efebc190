"""PHI guard (lms.phi): the corpus in tests/data/phi_corpus drives most cases."""

from __future__ import annotations

from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form, StringField
from wtforms.validators import ValidationError

from lms.phi import BLOCK, WARN, Finding, NoPHI, PHIResult, message, scan

CORPUS = Path(__file__).resolve().parent.parent / "data" / "phi_corpus"


def corpus(name: str) -> list[str]:
    lines = (line.strip() for line in (CORPUS / name).read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def describe(text: str) -> str:
    return "; ".join(f"{f.severity} {f.kind} {text[f.start:f.end]!r}" for f in scan(text).findings)


@pytest.mark.parametrize("text", corpus("safe.txt"))
def test_safe_text_passes_without_findings(text):
    assert scan(text).findings == (), describe(text)


@pytest.mark.parametrize("text", corpus("block.txt"))
def test_clear_identifiers_are_blocked(text):
    assert scan(text).blocked, describe(text) or "no findings"


@pytest.mark.parametrize("text", corpus("warn.txt"))
def test_likely_identifiers_warn_without_blocking(text):
    result = scan(text)
    assert result.warnings and not result.blocked, describe(text) or "no findings"


def test_corpus_sizes():
    assert len(corpus("safe.txt")) >= 40
    assert len(corpus("block.txt")) >= 30
    assert len(corpus("warn.txt")) >= 20


@pytest.mark.parametrize("text", corpus("block.txt") + corpus("warn.txt"))
def test_every_finding_has_a_sane_span_and_reason(text):
    for f in scan(text).findings:
        assert 0 <= f.start < f.end <= len(text)
        assert text[f.start:f.end].strip() == text[f.start:f.end]
        assert f.severity in (BLOCK, WARN)
        assert f.reason.endswith("Continuum must not hold patient information.")


@pytest.mark.parametrize(
    ("text", "flagged", "kind", "severity"),
    [
        ("Patient SSN 123-45-6789 on file", "SSN 123-45-6789", "ssn", BLOCK),
        ("See MRN 00123456 today", "MRN 00123456", "mrn", BLOCK),
        ("Born: DOB 03/04/1962.", "DOB 03/04/1962", "dob", BLOCK),
        ("Seen: John Smith, DOB 03/04/1962.", "John Smith, DOB 03/04/1962", "name_with_identifier", BLOCK),
        ("Medicare 1EG4-TE5-MK73 card", "1EG4-TE5-MK73", "plan_number", BLOCK),
        ("Call 555-123-4567 later", "555-123-4567", "phone", WARN),
        ("Fax: 555-123-4568", "555-123-4568", "fax", WARN),
        ("Write to a.b@mail.example.com.", "a.b@mail.example.com", "email", WARN),
        ("He lives near 123 Main Street.", "123 Main Street", "address", WARN),
        ("She was admitted on 3 March 2024 with pneumonia", "3 March 2024", "service_date", WARN),
        ("A 93-year-old woman", "93-year-old", "age_over_89", WARN),
        ("Mrs Okonkwo was admitted", "Mrs Okonkwo", "patient_name", WARN),
        ("The patient Smith's wound healed", "patient Smith", "patient_name", WARN),
    ],
)
def test_span_kind_and_severity(text, flagged, kind, severity):
    (finding,) = scan(text).findings
    assert (text[finding.start:finding.end], finding.kind, finding.severity) == (flagged, kind, severity)
    assert finding.reason


def test_several_findings_are_reported_in_order():
    text = "MRN 00123456, call 555-123-4567, a 95-year-old"
    kinds = [(f.kind, f.severity) for f in scan(text).findings]
    assert kinds == [("mrn", BLOCK), ("phone", WARN), ("age_over_89", WARN)]


@pytest.mark.parametrize("text", [None, "", "   "])
def test_empty_input_has_no_findings(text):
    result = scan(text)
    assert result.findings == () and not result.blocked
    assert result.blocks == () and result.warnings == ()
    assert message(result) == ""


def test_result_properties_split_by_severity():
    block = Finding(0, 3, "mrn", "r", BLOCK)
    warn = Finding(4, 6, "phone", "r", WARN)
    result = PHIResult((block, warn))
    assert result.blocked and result.blocks == (block,) and result.warnings == (warn,)
    assert not PHIResult((warn,)).blocked


def test_message_quotes_the_identifier_and_its_kind():
    text = "Follow up MRN 00123456 next week"
    assert message(scan(text)) == (
        'Possible patient information: "MRN 00123456" (medical record number). '
        "Remove identifiers before saving; Continuum is for non-clinical education only."
    )


def test_message_for_warnings_asks_to_confirm():
    msg = message(scan("Call 555-123-4567 to follow up."))
    assert msg.startswith('This may be patient information: "555-123-4567" (phone number).')
    assert "confirm" in msg


def test_message_lists_at_most_three_and_counts_the_rest():
    text = "MRN 1234567, MRN 2345678, MRN 3456789, MRN 4567890, MRN 5678901"
    msg = message(scan(text))
    assert msg.count("(medical record number)") == 3 and "and 2 more" in msg


def test_message_without_the_text_still_names_the_kind():
    msg = message(PHIResult((Finding(0, 3, "ssn", "r", BLOCK),)))
    assert msg.startswith("Possible patient information: Social Security number.")


def test_unicode_spans_map_back_to_the_original_text():
    text = "Note\u00a0: Patient José Núñez\u200b, DOB\u00a003/04/1962 — ﬁle closed"
    (finding,) = scan(text).findings
    assert finding.kind == "name_with_identifier"
    assert text[finding.start:finding.end] == "José Núñez\u200b, DOB\u00a003/04/1962"


def test_fullwidth_digits_and_unicode_dashes_are_normalised():
    text = "SSN １２３–４５–６７８９"
    (finding,) = scan(text).findings
    assert finding.kind == "ssn" and text[finding.start:finding.end] == text[:]


def test_non_latin_text_passes():
    assert scan("糖尿病の54歳男性。HbA1c 8.2%。メトホルミン500 mg を1日2回。").findings == ()


@pytest.mark.parametrize(
    "text",
    ["1" * 100_000, "a " * 50_000 + "MRN", "1-" * 50_000, "(555) " * 30_000, "A" * 200_000,
     "Aa " * 60_000 + "Street", "patient Smith " * 10_000 + "555-123-4567", "x@" * 60_000,
     "+1 " * 60_000, "DOB " * 40_000, "12 March " * 20_000, "http://" + "a" * 200_000],
)
def test_adversarial_input_completes(text):
    assert isinstance(scan(text), PHIResult)


class CommentForm(Form):
    comment = StringField("Comment", validators=[NoPHI()])


class CustomMessageForm(Form):
    comment = StringField("Comment", validators=[NoPHI("No patient data, please.")])


def test_validator_rejects_a_block_with_the_summary_message():
    form = CommentForm(MultiDict({"comment": "Patient MRN 00123456 was great"}))
    assert not form.validate()
    assert form.comment.errors == [message(scan("Patient MRN 00123456 was great"))]


def test_validator_uses_a_custom_message():
    form = CustomMessageForm(MultiDict({"comment": "SSN 123-45-6789"}))
    assert not form.validate()
    assert form.comment.errors == ["No patient data, please."]


def test_validator_stores_warnings_and_passes():
    form = CommentForm(MultiDict({"comment": "Call 555-123-4567 to follow up."}))
    assert form.validate()
    (warning,) = form.comment.phi_warnings
    assert warning.kind == "phone" and warning.severity == WARN


def test_validator_passes_safe_and_empty_text():
    for text in ("A 54-year-old man with type 2 diabetes.", ""):
        form = CommentForm(MultiDict({"comment": text}))
        assert form.validate() and form.comment.phi_warnings == ()


def test_validator_raises_validation_error_directly():
    field = CommentForm(MultiDict({"comment": "DOB 03/04/1962"})).comment
    with pytest.raises(ValidationError, match="date of birth"):
        NoPHI()(None, field)
