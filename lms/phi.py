"""PHI guard: Continuum is non-clinical by design and must never hold patient data.

Free text (course titles, lessons, quiz items, agendas, minutes, evaluation comments) is
scanned for the HIPAA Safe Harbor identifiers of 45 CFR 164.514(b)(2)(i)(A)-(R): names, street
addresses, all elements of dates except the year and ages over 89, phone, fax, e-mail, SSN,
medical record, health plan, account, vehicle and device numbers, URLs, IP addresses,
biometric identifiers and full-face photographs.

De-identified teaching vignettes ("a 54-year-old man with type 2 diabetes", "HbA1c 8.2%",
"BP 150/90", "metformin 500 mg", ICD-10 E11.9, "in 2019") are ordinary CME content, so
most rules need a *label* ("MRN", "DOB") or *patient context*, not a bare number shape.
"block" is for unmistakable identifiers; "warn" is for likely ones the user may confirm.
Staff contact details in an administrative context (dial-in, front desk, CME office,
venue) are not patient data and give no finding.

Matching runs on a normalised copy (NFKC, Unicode dashes and quotes folded, zero-width
characters dropped) and spans are mapped back to the original. Every repetition is
bounded, so scanning stays linear on hostile input.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass, field

from wtforms.validators import ValidationError

BLOCK, WARN = "block", "warn"

# kind -> (label used by message(), first sentence of the reason)
_KINDS = {
    "ssn": ("Social Security number", "Looks like a Social Security number"),
    "mrn": ("medical record number", "Looks like a medical record or patient number"),
    "dob": ("date of birth", "Looks like a date of birth"),
    "name_with_identifier": ("name with identifier", "Looks like a person's name next to an identifier"),
    "plan_number": ("health plan number", "Looks like a health plan, insurance or Medicare/Medicaid number"),
    "account_number": ("account number", "Looks like an account number"),
    "device_id": ("device serial number", "Looks like a device serial number"),
    "phone": ("phone number", "Looks like a phone number"),
    "fax": ("fax number", "Looks like a fax number"),
    "email": ("e-mail address", "Looks like an e-mail address"),
    "address": ("street address", "Looks like a street address"),
    "service_date": ("full date of service", "Looks like the full date of a patient's admission, visit or "
                     "procedure; give the year only or write 'day 3 of admission'"),
    "age_over_89": ("age over 89", "Ages over 89 can identify a patient; write '90 or older' instead"),
    "patient_name": ("possible patient name", "Looks like a patient's name; write 'the patient' or 'Mr A'"),
    "url": ("web address", "Looks like a link to a patient's record"),
    "ip_address": ("IP address", "Looks like an IP address next to patient details"),
    "licence_plate": ("vehicle identifier", "Looks like a vehicle licence plate or VIN"),
    "photo": ("full-face photograph", "Mentions a full-face photograph of a patient"),
    "biometric": ("biometric identifier", "Mentions a patient's biometric identifier"),
}


@dataclass(frozen=True)
class Finding:
    start: int  # span in the original text: text[start:end] is the flagged part
    end: int
    kind: str
    reason: str
    severity: str  # BLOCK or WARN


@dataclass(frozen=True)
class PHIResult:
    findings: tuple[Finding, ...] = ()
    text: str = field(default="", repr=False, compare=False)  # the scanned text, quoted by message()

    @property
    def blocked(self) -> bool:
        return any(f.severity == BLOCK for f in self.findings)

    @property
    def blocks(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == BLOCK)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == WARN)


# --- shared fragments ------------------------------------------------------------------
_SEP = r"\s{0,3}(?:[:#=.-]|is|was)?\s{0,3}"  # between a label and its value
# An identifier: optional letter prefix, a digit, alphanumerics; more groups after "-"
# (1EG4-TE5-MK73) or after a space when they start with a digit (NHS 943 476 5919).
_ID = r"(?P<v>[A-Za-z]{0,4}\d[A-Za-z0-9]{0,19}(?:-[A-Za-z0-9]{1,10}|\s\d[A-Za-z0-9]{0,9}){0,4})"
_MON = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
        r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]|20)\d\d"
_FULLDATE = (r"(?:\d{1,2}[/-]\d{1,2}[/-](?:\d{4}|\d\d)|\d{1,2}\.\d{1,2}\.\d{4}|\d{4}-\d{1,2}-\d{1,2}"
             rf"|{_DAY}(?:\s{{1,3}}of)?[\s/-]{{1,3}}{_MON},?[\s/-]{{1,3}}{_YEAR}"
             rf"|{_MON}\s{{1,3}}{_DAY},?\s{{1,3}}{_YEAR})")
_MED_DEVICES = (r"pacemaker|defibrillator|icd|implant(?:ed|able)?(?:\sdevice)?|pump|stent|prosthe\w{0,6}|c?pap"
                r"|bipap|valve|lead|hearing\said|cochlear\simplant|cgm|glucose\smonitor|neurostimulator|port|catheter")

# --- BLOCK: unmistakable identifiers, Safe Harbor (A), (G)-(K) ---------------------------
# The 3-2-4 SSN shape is too specific to be anything else; other spellings need a label.
_SSN_BARE = re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])")
_SSN_LABEL = re.compile(r"(?i)\b(?:ssn|ss#|social\ssecurity(?:\s(?:number|no\.?|#))?)" + _SEP
                        + r"(?P<v>\d{3}[\s-]?\d{2}[\s-]?\d{4}|(?:xxx|\*\*\*)[\s-]?(?:xx|\*\*)[\s-]?\d{4})(?!\d)")
# Record numbers are identifiable only by their label: "patient 3" and "day 3" are not.
_MRN = re.compile(r"(?i)\b(?:mrn|mr\s?#|mr\s?(?:no\.?|number)|medical\srecord(?:\s(?:number|no\.?|#))?"
                  r"|chart\s?(?:number|no\.?|#)|(?:patient|pt)\s?(?:id|identifier|number|no\.?|#)"
                  r"|hospital\s?(?:number|no\.?|#|id)|ur\s?(?:number|no\.?)|urn|nhs\s?(?:number|no\.?))(?![a-z])"
                  + _SEP + _ID)
# A labelled birth date: a full date, or month and year (Safe Harbor allows the year alone).
_DOB = re.compile(r"(?i)\b(?:dob|d\.o\.b\.?|date\sof\sbirth|birth\s?date|born(?:\s(?:on|in))?)(?![a-z])" + _SEP
                  + rf"(?P<v>{_FULLDATE}|{_MON},?\s{{1,3}}{_YEAR}|\d{{1,2}}/{_YEAR})(?![\w/])")
_PLAN = re.compile(r"(?i)\b(?:(?:health\s?plan|insurance(?:\spolicy)?|insurer|member|beneficiary|subscriber"
                   r"|policy\s?holder|medicare|medicaid|medi-cal|medical\said)\s{0,3}(?:id|identifier|number|no\.?|#)"
                   r"|mbi|hicn)(?![a-z])" + _SEP + _ID)
# The Medicare Beneficiary Identifier shape (CMS: no S, L, O, I, B, Z) is distinctive alone.
_MBI = re.compile(r"\b[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y\d]\d-?[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y\d]\d-?"
                  r"[AC-HJKMNP-RT-Y]{2}\d\d\b")
_ACCOUNT = re.compile(r"(?i)\b(?:(?:account|acct\.?)\s{0,3}(?:number|no\.?|num|#)|a/c(?:\s{0,3}(?:no\.?|#))?)"
                      r"(?![a-z])" + _SEP + _ID)
_DEVICE = re.compile(rf"(?i)(?:\b(?:{_MED_DEVICES})\s{{1,3}}serial(?:\s{{1,3}}(?:number|no\.?|num|#))?"
                     r"|\bserial\s{0,3}(?:number|no\.?|num|#)|\bs/n|\budi)(?![a-z])" + _SEP + _ID)
_MED_DEVICE_WORD = re.compile(rf"(?i)\b(?:{_MED_DEVICES}|patients?|pt)\b")

# --- contact details, Safe Harbor (B)-(F): WARN, or BLOCK when labelled as a patient's ---
_PHONE = re.compile(r"(?<![\w+])(?:(?:\+?1[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}"
                    r"|\+\d{1,3}(?:[ .-]\(?\d{1,6}\)?){2,5}|0\d{2,4}[ -]\d{3,4}[ -]\d{3,4})(?![\w-])")
_PHONE_LABELLED = re.compile(r"(?i)\b(?:phone|tel|telephone|mobile|cell|fax)(?:\s{1,3}(?:no\.?|number|#))?"
                             r"[\s:.#]{0,4}(?P<v>\+?\d{10,12})(?!\d)")
_FAX_WORD = re.compile(r"(?i)\bfax\b")
_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,6}\b")
_ADDRESS = re.compile(
    r"\b\d{1,6}[A-Za-z]?\s{1,3}(?:(?:[A-Z][A-Za-z'.-]{0,30}|\d{1,3}(?:st|nd|rd|th))\s{1,3}){1,4}"
    r"(?:Street|Avenue|Road|Boulevard|Lane|Drive|Court|Place|Terrace|Way|Circle|Highway|Parkway|Crescent"
    r"|Close|Square|Row|Trail|(?:St|Ave|Rd|Blvd|Ln|Ct|Pl|Hwy|Pkwy)\b\.?)\b"
    r"(?:,?\s{1,3}(?:Apt|Apartment|Unit|Suite|Ste|#)\.?\s{0,3}[A-Za-z0-9-]{1,6})?"  # unit
    r"(?:,\s{1,3}[A-Z][A-Za-z'-]{1,30}(?:\.?\s[A-Z][A-Za-z'-]{1,30}){0,2})?"  # city
    r"(?:,?\s{1,3}[A-Z]{2}\s{1,3}\d{5}(?:-\d{4})?)?")  # state and ZIP(+4)
_PT_CONTACT = re.compile(
    r"(?i)(?:\b(?:patient|pt|client|resident)(?:'s|s'|s)?\s{1,3}(?:(?:home|cell|mobile|work|personal|contact"
    r"|daytime|e-?mail|street|postal)\s{1,3}){0,2}(?:phone|telephone|tel|number|cell|mobile|fax|e-?mail|address"
    r"|contact\sdetails|details)|\b(?:call|phone|text|e-?mail|reach|contact|write\sto)\s{1,3}(?:the\s{1,3})?"
    r"(?:patient|pt)\b|\b(?:lives|resides|living)\sat|\bhome\saddress|\bnext\sof\skin)")
_ADMIN_CONTACT = re.compile(
    r"(?i)\b(?:dial[- ]?in|conference\s(?:line|bridge|call)|bridge|front\sdesk|reception|switchboard|help\s?desk"
    r"|service\sdesk|it\ssupport|pager|bleep|ext(?:ension)?|office|department|dept|practice|venue|location"
    r"|held\sat|meeting|register|registration|rsvp|parking|campus|auditorium|cme|course|organi[sz]er"
    r"|coordinator|contact\sus|enquiries|inquiries|questions|secretary|administrator|admin|hotline|helpline"
    r"|on[- ]call|rota|staff|team|hr|payroll|library)\b")
_ROLE_MAILBOXES = frozenset("""cme info admin office education help helpdesk support noreply no-reply contact
    enquiries inquiries registrar events training it hr library webmaster privacy compliance hipaa security""".split())

# --- dates, ages and other likely identifiers, Safe Harbor (C), (M)-(Q): WARN ------------
_FULL_DATE = re.compile(rf"(?i)(?<![\w/.-]){_FULLDATE}(?![\w/-]|\.\d)")
_DATE_PARTS = re.compile(r"[/.-]")
_YEAR_ONLY = re.compile(_YEAR)
_EVENT = re.compile(r"(?i)\b(?:admit(?:ted)?|admission|discharged?|was\sseen|seen\s(?:in|at|by|on)|visit(?:ed)?"
                    r"|surgery|operat(?:ed|ion)|procedure|underwent|date\sof\sservice|dos|presented|died|death"
                    r"|deceased|delivered|encounter|transfused|intubated|biops(?:y|ied)|(?-i:ED|ER)"
                    r"|emergency\sdepartment)\b")
_ADMIN_EVENT = re.compile(r"(?i)\b(?:meeting|workshop|course|session|training|lecture|webinar|seminar|conference"
                          r"|rounds|deadline|registration|register|module|exam|cme|journal\sclub|committee|policy"
                          r"|effective|published|updated|revised|version|due|held|scheduled|agenda|minutes"
                          r"|site\svisit|accreditation|inspection|class|simulation|skills|audit|holiday|closed"
                          r"|launch|go-live|webcast|calendar|released|template)\b")
# Safe Harbor aggregates ages 90 and over; "aged 90 and over" is that aggregate and passes.
_AGE = re.compile(r"(?i)\b(?:(?:9\d|1[01]\d)(?:\s?-?\s?(?:years?|yrs?)[\s-]{1,3}(?:old|of\sage)|\s?-?\s?y/?o)"
                  r"|aged?:?\s{1,3}(?:9\d|1[01]\d)|in\s(?:his|her|their)\s(?:90s|nineties))\b"
                  r"(?!\s{0,3}(?:years?\s{1,3})?(?:\+|and\s(?:over|older|above)|or\s(?:over|older|above)|plus))")
# Links and IP addresses are everywhere in course material; flag only patient-record ones.
_URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"']{1,2048}")
_URL_PATIENTISH = re.compile(r"(?i)(?:patient|mrn|pid|chart|ehr|emr|record)s?[^/?&#\s]{0,10}[/=]\w{0,20}\d")
_PT_RECORD = re.compile(r"(?i)\b(?:(?:patient|pt)(?:'s|s')?|his|her|their)\s{1,3}(?:record|chart|portal|results?"
                        r"|images?|scans?|photos?|notes?|file)\b")
_IP = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\d)")
_PT_WORD = re.compile(r"(?i)\b(?:patients?|pt|mrn|chart|medical\srecord)\b")
_VEHICLE = re.compile(r"(?i)\b(?:(?:licen[cs]e|number|registration|reg\.?)\splate|plate\s(?:number|no\.?|#)"
                      r"|vehicle\sregistration(?:\s(?:number|no\.?))?|vin)(?![a-z])" + _SEP
                      + r"(?P<v>(?-i:[A-Z0-9]{1,17}(?:[ -][A-Z0-9]{1,4}){0,2}))(?![A-Za-z0-9])")
_PHOTO = re.compile(r"(?i)\bfull[- ]face\s(?:photo(?:graph)?|image|picture)s?\b"
                    r"|\b(?:photo(?:graph)?|picture|image)s?\sof\s(?:the\s)?(?:patient|pt)(?:'s)?\sface\b")
_BIOMETRIC = re.compile(r"(?i)\b(?:patient|pt)(?:'s|s')?\s{1,3}(?:finger\s?prints?|retinal?\sscans?|iris\sscans?"
                        r"|voice\s?prints?|palm\s?prints?|biometrics?(?:\sdata)?)\b")

# --- names, Safe Harbor (A): only a name tied to a patient or to an identifier ------------
# "patient Smith", "Pt: John Smith", "Mrs Jones"; not "a 5 pt Likert scale".
_NAME = r"[^\W\d_](?:[^\W\d_]|['-]){1,30}"
_TITLE_NAME = re.compile(r"(?<!\d\s)(?<!\d)\b(?P<t>(?i:patient(?:'s)?(?:\sname)?)|Pt|pt|Mr|Mrs|Ms|Miss|Mx)\.?"
                         rf"(?:\s{{0,2}}[:(]\s{{0,3}}|\s{{1,3}})(?P<n1>{_NAME})(?:\s{{1,3}}(?P<n2>{_NAME}))?")
_NAME_TOKEN = re.compile(_NAME)
_INITIAL = re.compile(r"[A-Z]\.?")
_TOKEN = re.compile(r"\S+")
_WORD_AFTER = re.compile(r"\s{1,3}([^\W\d_]+)")
_WORD_BEFORE = re.compile(r"([^\W\d_]+)\s{1,3}$")
_CLINICAL = re.compile(r"(?i)\b(?:patients?|pt|year-old|years?\sold|y/?o|admitted|admission|discharged?"
                       r"|diagnos\w{0,6}|present(?:s|ed|ing)\swith|complain\w{0,6}|symptoms?|history\sof|prescribed"
                       r"|ward|bed\s\d|mrn|dob|allerg\w{0,5}|pain|fever)\b")
_NOT_NAMES = frozenset("""patient patients name date birth number record records medical health plan member chart
    the dr prof doctor nurse hospital clinic center centre department unit ward room safety portal care experience
    education services relations advocate advocacy advisory centered centred navigator satisfaction access flow rights
    information privacy engagement outcomes handover identification identifier assessment reported questionnaire
    liaison council committee forum group panel voice feedback journey pathway support day week partners participation
    involvement leaders leadership protection consent identity case cases scenario vignette example simulation actors
    standardized standardised blood encounter communication management meeting agenda minutes notes summary history
    review update figure table zero""".split())
_TITLES = frozenset({"patient", "pt", "mr", "mrs", "ms", "miss", "mx"})
_IDENTIFIER_KINDS = frozenset({"dob", "mrn", "ssn", "plan_number", "account_number"})
_FOLD = {**dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"), "-"),
         **dict.fromkeys(map(ord, "\u2018\u2019\u02bc\u2032"), "'"), **dict.fromkeys(map(ord, "\u201c\u201d"), '"')}

Span = tuple[int, int, str, str]  # (start, end, kind, severity) in the normalised text


def _normalise(text: str) -> tuple[str, list[int] | None]:
    """NFKC-fold each non-ASCII character, keeping a map from normalised to original index."""
    if text.isascii():
        return text, None
    out, index = [], []
    for i, ch in enumerate(text):
        if ch.isascii() or unicodedata.category(ch) != "Cf":  # drop zero-width and other format characters
            n = ch if ch.isascii() else _FOLD.get(ord(ch)) or unicodedata.normalize("NFKC", ch)
            out.append(n)
            index.extend([i] * len(n))
    return "".join(out), index + [len(text)]


def _is_name(token: str) -> bool:
    token = token[:-2] if token.endswith("'s") else token
    return (bool(_NAME_TOKEN.fullmatch(token)) and token[0].isupper() and not token.isupper()
            and token.lower() not in _NOT_NAMES)


def _id_ok(value: str) -> bool:
    return sum(c.isdigit() for c in value) >= 4 and not _YEAR_ONLY.fullmatch(value)


def _date_ok(value: str) -> bool:
    """Numeric dates need a plausible day and month (this rules out ratios and versions)."""
    parts = _DATE_PARTS.split(value)
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return True  # a month written in words, or month/year
    a, b = (int(parts[1]), int(parts[2])) if len(parts[0]) == 4 else (int(parts[0]), int(parts[1]))
    return min(a, b) >= 1 and ((a <= 12 and b <= 31) or (b <= 12 and a <= 31))


def _nearest(pattern: re.Pattern, t: str, s: int, e: int) -> int:
    """Distance from the span s:e to the nearest match of pattern (60 chars before, 40 after)."""
    best = 10**6
    for m in pattern.finditer(t, max(0, s - 60), s):
        best = s - m.end()
    m = pattern.search(t, e, e + 40)
    return min(best, m.start() - e) if m else best


def _contact(t: str, s: int, e: int, kind: str) -> list[Span]:
    """Contact details: BLOCK when labelled as a patient's, none for staff/venue ones, else WARN."""
    if _PT_CONTACT.search(t, max(0, s - 50), s):
        return [(s, e, kind, BLOCK)]
    if _ADMIN_CONTACT.search(t, max(0, s - 80), s) or _ADMIN_CONTACT.search(t, e, e + 30):
        return []
    return [(s, e, kind, WARN)]


def _name_before(t: str, s: int) -> int | None:
    """Start of a personal name ending just before index s ("John A. Smith, DOB ..."), if any."""
    base = max(0, s - 60)
    start, names = None, 0
    for m in reversed(list(_TOKEN.finditer(t, base, s))[-4:]):
        word = m.group().strip(",;:()[]-")
        if not word and start is None:
            continue
        if start is not None and m.group()[-1] in ":;":
            break  # "Seen: John Smith": a label ends the name
        if not (_is_name(word) or _INITIAL.fullmatch(word)):
            if names == 1 and word.rstrip(".").lower() in _TITLES:
                return m.start()  # "Mrs Jones, DOB ...": a title makes one word a name
            break
        names += _is_name(word)
        start = m.start() + m.group().index(word)
    return start if names >= 2 else None


# Labelled identifiers that block; the check (if any) validates the captured value.
_BLOCK_RULES = ((_SSN_BARE, "ssn", None), (_SSN_LABEL, "ssn", None), (_MBI, "plan_number", None),
                (_MRN, "mrn", _id_ok), (_PLAN, "plan_number", _id_ok), (_ACCOUNT, "account_number", _id_ok),
                (_DOB, "dob", _date_ok))
_WARN_RULES = ((_AGE, "age_over_89"), (_PHOTO, "photo"), (_BIOMETRIC, "biometric"))


def _scan_identifiers(t: str) -> list[Span]:
    found = [(*m.span(), kind, BLOCK) for pattern, kind, ok in _BLOCK_RULES
             for m in pattern.finditer(t) if ok is None or ok(m["v"])]
    found += [(*m.span(), kind, WARN) for pattern, kind in _WARN_RULES for m in pattern.finditer(t)]
    for m in _DEVICE.finditer(t):
        if _id_ok(m["v"]):  # an implant's serial number is the patient's; a projector's is not
            severe = _MED_DEVICE_WORD.search(t, max(0, m.start() - 60), m.end())
            found.append((*m.span(), "device_id", BLOCK if severe else WARN))
    for m in _VEHICLE.finditer(t):
        if any(c.isdigit() for c in m["v"]) and sum(c.isalnum() for c in m["v"]) >= 4:
            found.append((*m.span(), "licence_plate", WARN))
    for m in _PHONE.finditer(t):
        if 7 <= sum(c.isdigit() for c in m.group()) <= 15:
            fax = _FAX_WORD.search(t, max(0, m.start() - 25), m.start())
            found += _contact(t, *m.span(), "fax" if fax else "phone")
    for m in _PHONE_LABELLED.finditer(t):
        found += _contact(t, *m.span("v"), "fax" if m.group()[:3].lower() == "fax" else "phone")
    for m in _EMAIL.finditer(t):
        role = m.group().split("@")[0].lower() in _ROLE_MAILBOXES  # cme@, info@: an organisation's mailbox
        if not role or _PT_CONTACT.search(t, max(0, m.start() - 50), m.start()):
            found += _contact(t, *m.span(), "email")
    for m in _ADDRESS.finditer(t):
        found += _contact(t, *m.span(), "address")
    for m in _FULL_DATE.finditer(t):
        # A full date is a date of service only when a patient event is nearer to it than an admin one.
        if _date_ok(m.group()) and _nearest(_EVENT, t, *m.span()) < _nearest(_ADMIN_EVENT, t, *m.span()):
            found.append((*m.span(), "service_date", WARN))
    for m in _URL.finditer(t):
        s, e = m.start(), m.start() + len(m.group().rstrip(".,;:)!?"))
        if _URL_PATIENTISH.search(t, s, e) or _PT_RECORD.search(t, max(0, s - 60), e + 40):
            found.append((s, e, "url", WARN))
    for m in _IP.finditer(t):
        if max(map(int, m.group().split("."))) <= 255 and _PT_WORD.search(t, max(0, m.start() - 80), m.end() + 80):
            found.append((*m.span(), "ip_address", WARN))
    return found


def _scan_names(t: str, base: list[Span]) -> list[Span]:
    # "John Smith, DOB 03/04/1962": a name beside a record number or birth date identifies.
    found = [(start, e, "name_with_identifier", BLOCK) for s, e, kind, _ in base
             if kind in _IDENTIFIER_KINDS and (start := _name_before(t, s)) is not None]
    spans = sorted(base)
    starts = [span[0] for span in spans]
    for m in _TITLE_NAME.finditer(t):
        if not _is_name(m["n1"]):
            continue
        title, last = m["t"], "n2" if m["n2"] and _is_name(m["n2"]) else "n1"
        end = m.end(last) - 2 if m[last].endswith("'s") else m.end(last)
        if title.lower() in _TITLES - {"patient", "pt"}:
            if not _CLINICAL.search(t, max(0, m.start() - 150), end + 150):
                continue  # "Ms Patel will chair the meeting": staff, not a patient
        elif title[0].isupper():  # "Improving Patient Flow", "Patient Blood Management": a heading
            after, before = _WORD_AFTER.match(t, end), _WORD_BEFORE.search(t, max(0, m.start() - 40), m.start())
            if (after and after[1][0].isupper()) or (before and before[1][0].isupper()):
                continue
        nearby = spans[bisect_left(starts, m.start() - 450):bisect_left(starts, end + 151)]
        if last == "n2" and any(span[1] >= m.start() - 150 for span in nearby):
            found.append((m.start(), end, "name_with_identifier", BLOCK))  # full name + another identifier
        else:
            found.append((m.start(), end, "patient_name", WARN))
    return found


def _dedupe(found: list[Span]) -> list[Span]:
    """Of overlapping spans keep the more severe, then the longer."""
    kept: list[Span] = []
    for f in sorted(set(found)):
        if not kept or f[0] >= kept[-1][1]:
            kept.append(f)
        elif (f[3] == BLOCK, f[1] - f[0]) > (kept[-1][3] == BLOCK, kept[-1][1] - kept[-1][0]):
            kept[-1] = f
    return kept


def scan(text: str | None) -> PHIResult:
    """Find Safe Harbor identifiers in text (rules in the module docstring); None or "" finds nothing."""
    if not text:
        return PHIResult()
    t, index = _normalise(text)
    base = _scan_identifiers(t)
    findings = []
    for s, e, kind, severity in _dedupe(base + _scan_names(t, base)):
        if index is not None:
            s, e = index[s], index[e - 1] + 1
        tail = "Remove it" if severity == BLOCK else "If it is about a patient, remove it"
        reason = f"{_KINDS[kind][1]}. {tail}: Continuum must not hold patient information."
        findings.append(Finding(s, e, kind, reason, severity))
    return PHIResult(tuple(findings), text)


def message(result: PHIResult) -> str:
    """One user-facing sentence summarising the blocks (or, if none, the warnings); "" if clean."""
    chosen = result.blocks or result.warnings
    if not chosen:
        return ""
    parts = []
    for f in chosen[:3]:
        label = _KINDS.get(f.kind, (f.kind.replace("_", " "),))[0]
        quoted = " ".join(result.text[f.start:f.end].split())
        quoted = quoted if len(quoted) <= 40 else quoted[:39] + "\u2026"
        parts.append(f'"{quoted}" ({label})' if quoted else label)
    listed = ", ".join(parts) + (f" and {len(chosen) - 3} more" if len(chosen) > 3 else "")
    if result.blocked:
        return (f"Possible patient information: {listed}. Remove identifiers before saving; "
                "Continuum is for non-clinical education only.")
    return (f"This may be patient information: {listed}. If it is about a patient, remove it, otherwise "
            "confirm to save; Continuum is for non-clinical education only.")


class NoPHI:
    """WTForms validator: raises ValidationError(message) when scan() blocks; stores warnings
    on field.phi_warnings (a tuple of Finding) so the form/template can show them and ask the
    user to confirm."""

    def __init__(self, message: str | None = None):
        self.message = message

    def __call__(self, form, field) -> None:
        field.phi_warnings = ()
        field.phi_result = None
        if isinstance(field.data, str) and field.data:
            result = scan(field.data)
            field.phi_result = result if result.findings else None
            if result.blocked:
                raise ValidationError(self.message or message(result))
            field.phi_warnings = result.warnings
            # In a request, a likely identifier is saved only once the person confirms it is not
            # patient information (the form macro shows the checkbox named here).
            if result.warnings and not _confirmed(field):
                raise ValidationError(message(result) + " If it is not patient information, tick the box "
                                                        "below and save again.")


def confirmation_name(field) -> str:
    return f"{field.name}-phi-confirmed"


def _confirmed(field) -> bool:
    from flask import has_request_context, request

    if not has_request_context():
        return True  # outside a request (services, tests) warnings are only recorded
    return request.form.get(confirmation_name(field)) == "1"


def highlight(result: PHIResult | None, context: int = 80):
    """The passages the guard objects to, each in a ``<mark>`` with a little text either side
    (escaped), so the writer sees exactly what to change; None when nothing was found."""
    from markupsafe import Markup, escape

    if result is None or not result.findings:
        return None
    chosen = sorted(result.blocks or result.warnings, key=lambda f: f.start)
    text, parts, shown_to = result.text, [], 0
    for f in chosen:
        if f.start < shown_to:
            continue
        start = max(f.start - context, shown_to)
        if start > shown_to:
            parts.append(Markup("\u2026 "))
        parts.append(escape(text[start:f.start]))
        parts.append(Markup('<mark title="{}">{}</mark>').format(f.reason, text[f.start:f.end]))
        shown_to = min(f.end + context, len(text))
        parts.append(escape(text[f.end:shown_to]))
    if shown_to < len(text):
        parts.append(Markup(" \u2026"))
    return Markup("").join(parts)
