"""PHI guard: Continuum is non-clinical by design and must never hold patient data.

Every free-text field (course titles, lessons, quiz items, agendas, minutes, evaluation
comments) is scanned for the HIPAA Safe Harbor identifiers of 45 CFR 164.514(b)(2)(i):
names, address parts smaller than a state, all elements of dates except the year (birth,
admission, discharge, death) and ages over 89, phone and fax numbers, e-mail addresses,
SSNs, medical record, health plan, account, licence, vehicle and device numbers, URLs,
IP addresses, biometric identifiers and full-face photographs.

De-identified teaching vignettes ("a 54-year-old man with type 2 diabetes", "HbA1c 8.2%",
"BP 150/90", "metformin 500 mg", ICD-10 E11.9, "in 2019") are ordinary CME content, so
almost every rule needs a *label* ("MRN", "DOB") or *patient context* rather than a bare
number shape. "block" is for unmistakable identifiers; "warn" is for likely ones that the
user may confirm. Staff contact details in an administrative context (dial-in, front
desk, CME office, venue) are not patient data and produce no finding.

Matching runs on a normalised copy (NFKC, Unicode dashes and quotes folded, zero-width
format characters dropped); spans are mapped back to the original text. Every pattern
uses bounded repetition, so scanning stays linear on hostile input.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass, field

from wtforms.validators import ValidationError

BLOCK, WARN = "block", "warn"

# kind -> (short label for message(), first half of the reason)
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
    "service_date": ("full date of service",
                     "Looks like the full date of a patient's admission, visit or procedure; give the year only or write 'day 3 of admission'"),
    "age_over_89": ("age over 89", "Ages over 89 can identify a patient; write '90 or older' instead"),
    "patient_name": ("possible patient name", "Looks like a patient's name; write 'the patient' or 'Mr A' instead"),
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
    text: str = field(default="", repr=False, compare=False)  # scanned text, quoted by message()

    @property
    def blocked(self) -> bool:
        return any(f.severity == BLOCK for f in self.findings)

    @property
    def blocks(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == BLOCK)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == WARN)


# --- shared fragments --------------------------------------------------------------
_SEP = r"\s{0,3}(?:[:#=.-]|is|was)?\s{0,3}"  # between a label and its value
# An identifier value: optional letter prefix, a digit, then alphanumerics; extra groups
# after "-" (1EG4-TE5) or after a space when they start with a digit (NHS 943 476 5919).
_ID = r"(?P<v>[A-Za-z]{0,4}\d[A-Za-z0-9]{0,19}(?:-[A-Za-z0-9]{1,10}|\s\d[A-Za-z0-9]{0,9}){0,4})"
_MON = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
        r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]|20)\d\d"
_NUMDATE = r"(?:\d{1,2}[/-]\d{1,2}[/-](?:\d{4}|\d\d)|\d{1,2}\.\d{1,2}\.\d{4}|\d{4}-\d{1,2}-\d{1,2})"
_TXTDATE = rf"(?:{_DAY}(?:\s{{1,3}}of)?[\s/-]{{1,3}}{_MON},?[\s/-]{{1,3}}{_YEAR}|{_MON}\s{{1,3}}{_DAY},?\s{{1,3}}{_YEAR})"
_FULLDATE = rf"(?:{_NUMDATE}|{_TXTDATE})"
_MED_DEVICES = (r"pacemaker|defibrillator|icd|implant(?:ed|able)?(?:\sdevice)?|pump|stent|prosthe\w{0,6}|c?pap|bipap"
                r"|valve|lead|hearing\said|cochlear\simplant|cgm|glucose\smonitor|neurostimulator|port|catheter")

# --- BLOCK: unmistakable identifiers (Safe Harbor (A), (G)-(K)) ---------------------
# A bare 3-2-4 SSN shape is too specific to be anything else; other forms need a label.
_SSN_BARE = re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])")
_SSN_LABEL = re.compile(r"(?i)\b(?:ssn|ss#|social\ssecurity(?:\s(?:number|no\.?|#))?)" + _SEP
                        + r"(?P<v>\d{3}[\s-]?\d{2}[\s-]?\d{4}|(?:x{3}|\*{3})[\s-]?(?:xx|\*\*)[\s-]?\d{4})(?!\d)")
# Record numbers are only identifiable by their label; "patient 3" or "day 3" are not.
_MRN = re.compile(r"(?i)\b(?:mrn|mr\s?#|mr\s?(?:no\.?|number)|medical\srecord(?:\s(?:number|no\.?|#))?"
                  r"|chart\s?(?:number|no\.?|#)|(?:patient|pt)\s?(?:id|identifier|number|no\.?|#)"
                  r"|hospital\s?(?:number|no\.?|#|id)|ur\s?(?:number|no\.?)|urn|nhs\s?(?:number|no\.?))(?![a-z])"
                  + _SEP + _ID)
# A labelled date of birth: full date, or month and year (all date elements but the year).
_DOB = re.compile(r"(?i)\b(?:dob|d\.o\.b\.?|date\sof\sbirth|birth\s?date|born(?:\s(?:on|in))?)(?![a-z])" + _SEP
                  + rf"(?P<v>{_FULLDATE}|{_MON},?\s{{1,3}}{_YEAR}|\d{{1,2}}/{_YEAR})(?![\w/])")
_PLAN = re.compile(r"(?i)\b(?:(?:health\s?plan|insurance(?:\spolicy)?|insurer|member|beneficiary|subscriber"
                   r"|policy\s?holder|medicare|medicaid|medi-cal|medical\said)\s{0,3}(?:id|identifier|number|no\.?|#)"
                   r"|mbi|hicn)(?![a-z])" + _SEP + _ID)
# Medicare Beneficiary Identifier shape (CMS spec: no S, L, O, I, B, Z) is unique enough alone.
_MBI = re.compile(r"\b[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y\d]\d-?[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y\d]\d-?"
                  r"[AC-HJKMNP-RT-Y]{2}\d\d\b")
_ACCOUNT = re.compile(r"(?i)\b(?:(?:account|acct\.?)\s{0,3}(?:number|no\.?|num|#)|a/c(?:\s{0,3}(?:no\.?|#))?)(?![a-z])"
                      + _SEP + _ID)
_DEVICE = re.compile(rf"(?i)(?:\b(?:{_MED_DEVICES})\s{{1,3}}serial(?:\s{{1,3}}(?:number|no\.?|num|#))?"
                     r"|\bserial\s{0,3}(?:number|no\.?|num|#)|\bs/n|\budi)(?![a-z])" + _SEP + _ID)
_MED_DEVICE_WORD = re.compile(rf"(?i)\b(?:{_MED_DEVICES}|patients?|pt)\b")

# --- WARN (or BLOCK with a patient label): contact details, Safe Harbor (B)-(F) -----
_PHONE = re.compile(r"(?<![\w+])(?:(?:\+?1[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}"
                    r"|\+\d{1,3}(?:[ .-]\(?\d{1,6}\)?){2,5}|0\d{2,4}[ -]\d{3,4}[ -]\d{3,4})(?![\w-])")
_PHONE_LABELLED = re.compile(r"(?i)\b(?:phone|tel|telephone|mobile|cell|fax)(?:\s{1,3}(?:no\.?|number|#))?"
                             r"[\s:.#]{0,4}(?P<v>\+?\d{10,12})(?!\d)")
_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,6}\b")
_ADDRESS = re.compile(
    r"\b\d{1,6}[A-Za-z]?\s{1,3}(?:(?:[A-Z][A-Za-z'.-]{0,30}|\d{1,3}(?:st|nd|rd|th))\s{1,3}){1,4}"
    r"(?:Street|Avenue|Road|Boulevard|Lane|Drive|Court|Place|Terrace|Way|Circle|Highway|Parkway|Crescent"
    r"|Close|Square|Row|Trail|(?:St|Ave|Rd|Blvd|Ln|Ct|Pl|Hwy|Pkwy)\b\.?)\b"
    r"(?:,?\s{1,3}(?:Apt|Apartment|Unit|Suite|Ste|#)\.?\s{0,3}[A-Za-z0-9-]{1,6})?"
    r"(?:,\s{1,3}[A-Z][A-Za-z'-]{1,30}(?:\.?\s[A-Z][A-Za-z'-]{1,30}){0,2})?(?:,?\s{1,3}[A-Z]{2}\s{1,3}\d{5}(?:-\d{4})?)?")
# "patient's phone", "pt address", "call the patient at": the contact detail is a patient's.
_PT_CONTACT = re.compile(
    r"(?i)(?:\b(?:patient|pt|client|resident)(?:'s|s'|s)?\s{1,3}(?:(?:home|cell|mobile|work|personal|contact"
    r"|daytime|e-?mail|street|postal)\s{1,3}){0,2}(?:phone|telephone|tel|number|cell|mobile|fax|e-?mail|address"
    r"|contact\sdetails|details)|\b(?:call|phone|text|e-?mail|reach|contact|write\sto)\s{1,3}(?:the\s{1,3})?"
    r"(?:patient|pt)\b|\b(?:lives|resides|living)\sat|\bhome\saddress|\bnext\sof\skin)")
# Staff and venue details of an organisation are not patient data.
_ADMIN_CONTACT = re.compile(
    r"(?i)\b(?:dial[- ]?in|conference\s(?:line|bridge|call)|bridge|front\sdesk|reception|switchboard|help\s?desk"
    r"|service\sdesk|it\ssupport|pager|bleep|ext(?:ension)?|office|department|dept|practice|venue|location"
    r"|held\sat|meeting|register|registration|rsvp|parking|campus|auditorium|cme|course|organi[sz]er"
    r"|coordinator|contact\sus|enquiries|inquiries|questions|secretary|administrator|admin|hotline|helpline"
    r"|on[- ]call|rota|staff|team|hr|payroll|library)\b")
_ROLE_MAILBOXES = frozenset("""cme info admin office education help helpdesk support noreply no-reply contact
    enquiries inquiries registrar events training it hr library webmaster privacy compliance hipaa security""".split())

# --- WARN: dates, ages and other likely identifiers, Safe Harbor (C), (M)-(Q) --------
_FULL_DATE = re.compile(rf"(?i)(?<![\w/.-]){_FULLDATE}(?![\w/-]|\.\d)")
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

# --- names, Safe Harbor (A): only a name tied to a patient or to an identifier ------
_TITLE_NAME = re.compile(r"\b(?P<t>(?i:patient(?:'s)?(?:\sname)?)|Pt|pt|Mr|Mrs|Ms|Miss|Mx)\.?(?:\s{0,2}[:(]\s{0,3}|\s{1,3})(?P<n1>[^\W\d_](?:[^\W\d_]|['-]){1,30})"
                         r"(?:\s{1,3}(?P<n2>[^\W\d_](?:[^\W\d_]|['-]){1,30}))?")
_NAME_TOKEN = re.compile(r"[^\W\d_](?:[^\W\d_]|['-]){1,30}|[^\W\d_]\.")
_CLINICAL = re.compile(r"(?i)\b(?:patients?|pt|year-old|years?\sold|y/?o|admitted|admission|discharged?|diagnos\w{0,6}"
                       r"|present(?:s|ed|ing)\swith|complain\w{0,6}|symptoms?|history\sof|prescribed|ward|bed\s\d"
                       r"|mrn|dob|allerg\w{0,5}|pain|fever)\b")
_NOT_NAMES = frozenset("""patient patients pt name date birth number record records medical health plan member chart
    id the a an mr mrs ms miss dr prof doctor nurse hospital clinic center centre department unit ward room safety
    portal care experience education services service relations advocate advocacy advisory centered centred navigator
    navigation satisfaction access flow rights information privacy engagement outcomes outcome handoff handover
    identification identifier assessment reported questionnaire transport transfer liaison council committee forum
    group panel voice feedback journey pathway support day week month year partners participation involvement
    leaders leadership protection consent identity index case cases scenario vignette example simulation actor
    actors standardized standardised blood encounter encounters communication management meeting agenda minutes
    note notes summary history review update signs symptoms level with and or of in on at to for from is was who
    has had presents presented admitted discharged monday tuesday wednesday thursday friday saturday sunday january
    february march april may june july august september october november december one two three zero first figure table""".split())
_IDENTIFIER_KINDS = frozenset({"dob", "mrn", "ssn", "plan_number", "account_number"})
_TITLES = frozenset({"patient", "pt", "mr", "mrs", "ms", "miss", "mx"})
_FOLD = {**dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"), "-"),
         **dict.fromkeys(map(ord, "\u2018\u2019\u02bc\u2032"), "'"), **dict.fromkeys(map(ord, "\u201c\u201d"), '"')}


def _normalise(text: str) -> tuple[str, list[int] | None]:
    """NFKC-fold each non-ASCII character, keeping a map from normalised to original index."""
    if text.isascii():
        return text, None
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ch.isascii():
            out.append(ch)
            index.append(i)
        elif unicodedata.category(ch) != "Cf":  # drop zero-width and other format characters
            n = _FOLD.get(ord(ch)) or unicodedata.normalize("NFKC", ch)
            out.append(n)
            index.extend([i] * len(n))
    index.append(len(text))
    return "".join(out), index


def _is_name(token: str) -> bool:
    token = token[:-2] if token.endswith("'s") else token
    return (bool(_NAME_TOKEN.fullmatch(token)) and token[0].isupper() and not token.isupper()
            and token.lower() not in _NOT_NAMES)


def _id_ok(value: str) -> bool:
    return sum(c.isdigit() for c in value) >= 4 and not re.fullmatch(_YEAR, value)


def _date_ok(value: str) -> bool:
    """Numeric dates must have a plausible day and month (rules out ratios and versions)."""
    parts = re.split(r"[/.-]", value)
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return True  # a month written in words
    a, b = (int(parts[1]), int(parts[2])) if len(parts[0]) == 4 else (int(parts[0]), int(parts[1]))
    return 1 <= min(a, b) and ((a <= 12 and b <= 31) or (b <= 12 and a <= 31))


def _nearest(pattern: re.Pattern, t: str, s: int, e: int, before: int, after: int) -> int:
    """Distance from the span s:e to the nearest match of pattern within the window."""
    best = 10**6
    for m in pattern.finditer(t, max(0, s - before), s):
        best = s - m.end()
    m = pattern.search(t, e, e + after)
    return min(best, m.start() - e) if m else best


def _contact(t: str, s: int, e: int, kind: str, found: list) -> None:
    """Contact details: block when labelled as a patient's, skip staff/venue ones, else warn."""
    if _PT_CONTACT.search(t, max(0, s - 50), s):
        found.append((s, e, kind, BLOCK))
    elif not (_ADMIN_CONTACT.search(t, max(0, s - 80), s) or _ADMIN_CONTACT.search(t, e, e + 30)):
        found.append((s, e, kind, WARN))


def _name_before(t: str, s: int) -> int | None:
    """Start of a personal name ending just before index s ("John A. Smith, DOB ..."), if any."""
    base = max(0, s - 60)
    tokens = list(re.finditer(r"\S+", t[base:s]))
    start, names = None, 0
    for m in reversed(tokens[-4:]):
        word = m.group().strip(",;:()[]-")
        if not word and start is None:
            continue
        if start is not None and m.group()[-1] in ":;":
            break  # "Seen: John Smith": the label ends the name
        if not (_is_name(word) or re.fullmatch(r"[A-Z]\.?", word)):
            if names == 1 and word.rstrip(".").lower() in _TITLES:
                return base + m.start()  # "Mrs Jones, DOB ...": a title makes one word a name
            break
        names += _is_name(word)
        start = base + m.start() + m.group().index(word)
    return start if names >= 2 else None


def _scan_base(t: str) -> list[tuple[int, int, str, str]]:
    found: list[tuple[int, int, str, str]] = []
    for m in _SSN_BARE.finditer(t):
        found.append((*m.span(), "ssn", BLOCK))
    for m in _SSN_LABEL.finditer(t):
        found.append((*m.span(), "ssn", BLOCK))
    for pattern, kind in ((_MRN, "mrn"), (_PLAN, "plan_number"), (_ACCOUNT, "account_number")):
        found += [(*m.span(), kind, BLOCK) for m in pattern.finditer(t) if _id_ok(m["v"])]
    found += [(*m.span(), "plan_number", BLOCK) for m in _MBI.finditer(t)]
    found += [(*m.span(), "dob", BLOCK) for m in _DOB.finditer(t) if _date_ok(m["v"])]
    for m in _DEVICE.finditer(t):
        if _id_ok(m["v"]):  # an implant's serial is the patient's; a projector's is not
            severe = _MED_DEVICE_WORD.search(t, max(0, m.start() - 60), m.end())
            found.append((*m.span(), "device_id", BLOCK if severe else WARN))
    for m in _VEHICLE.finditer(t):
        if any(c.isdigit() for c in m["v"]) and sum(c.isalnum() for c in m["v"]) >= 4:
            found.append((*m.span(), "licence_plate", WARN))
    for m in _PHONE.finditer(t):
        if 7 <= sum(c.isdigit() for c in m.group()) <= 15:
            fax = re.search(r"(?i)\bfax\b", t[max(0, m.start() - 25):m.start()])
            _contact(t, *m.span(), "fax" if fax else "phone", found)
    for m in _PHONE_LABELLED.finditer(t):
        _contact(t, *m.span("v"), "fax" if m.group().lower().startswith("fax") else "phone", found)
    for m in _EMAIL.finditer(t):
        if m.group().split("@")[0].lower() in _ROLE_MAILBOXES and not _PT_CONTACT.search(t, max(0, m.start() - 50), m.start()):
            continue  # cme@, info@, helpdesk@: an organisation's mailbox
        _contact(t, *m.span(), "email", found)
    for m in _ADDRESS.finditer(t):
        _contact(t, *m.span(), "address", found)
    for m in _FULL_DATE.finditer(t):
        # A full date is a date of service only when a patient event is nearer than an admin one.
        if _date_ok(m.group()) and _nearest(_EVENT, t, *m.span(), 60, 40) < _nearest(_ADMIN_EVENT, t, *m.span(), 60, 40):
            found.append((*m.span(), "service_date", WARN))
    found += [(*m.span(), "age_over_89", WARN) for m in _AGE.finditer(t)]
    for m in _URL.finditer(t):
        s, e = m.start(), m.start() + len(m.group().rstrip(".,;:)!?"))
        if _URL_PATIENTISH.search(t, s, e) or _PT_RECORD.search(t, max(0, s - 60), min(len(t), e + 40)):
            found.append((s, e, "url", WARN))
    for m in _IP.finditer(t):
        if all(int(p) <= 255 for p in m.group().split(".")) and _PT_WORD.search(t, max(0, m.start() - 80), m.end() + 80):
            found.append((*m.span(), "ip_address", WARN))
    found += [(*m.span(), "photo", WARN) for m in _PHOTO.finditer(t)]
    found += [(*m.span(), "biometric", WARN) for m in _BIOMETRIC.finditer(t)]
    return found


def _scan_names(t: str, base: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    found = []
    for s, e, kind, sev in base:  # "John Smith, DOB 03/04/1962": the name makes it identifiable
        if kind in _IDENTIFIER_KINDS and (start := _name_before(t, s)) is not None:
            found.append((start, e, "name_with_identifier", BLOCK))
    spans = sorted(base)
    starts = [sp[0] for sp in spans]
    for m in _TITLE_NAME.finditer(t):
        title = m["t"]
        if not _is_name(m["n1"]):
            continue
        last = "n2" if m["n2"] and _is_name(m["n2"]) else "n1"
        end = m.end(last) - 2 if m[last].endswith("'s") else m.end(last)
        if title.lower() in ("mr", "mrs", "ms", "miss", "mx"):
            if not _CLINICAL.search(t, max(0, m.start() - 150), end + 150):
                continue  # "Ms Patel will chair the meeting": staff, not a patient
        elif title[0].isupper():  # "Patient Blood Management Forum" is a title-case heading
            following = re.match(r"\s{1,3}([^\W\d_]+)", t[end:end + 40])
            preceding = re.search(r"([^\W\d_]+)\s{1,3}$", t[max(0, m.start() - 40):m.start()])
            if (following and following[1][0].isupper()) or (preceding and preceding[1][0].isupper()):
                continue
        i = bisect_left(starts, m.start() - 450)  # any other identifier within 150 chars?
        near = any(sp[1] >= m.start() - 150 for sp in spans[i:bisect_left(starts, end + 151)])
        if near and last == "n2":  # first and last name plus another identifier: identifiable
            found.append((m.start(), end, "name_with_identifier", BLOCK))
        else:
            found.append((m.start(), end, "patient_name", WARN))
    return found


def _dedupe(found: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """Within each cluster of overlapping spans keep the most severe, then the longest."""
    clusters: list[list[tuple[int, int, str, str]]] = []
    cluster_end = -1
    for f in sorted(set(found)):
        if clusters and f[0] < cluster_end:
            clusters[-1].append(f)
            cluster_end = max(cluster_end, f[1])
        else:
            clusters.append([f])
            cluster_end = f[1]
    kept = []
    for cluster in clusters:
        chosen: list[tuple[int, int, str, str]] = []
        for c in sorted(cluster, key=lambda c: (c[3] != BLOCK, c[0] - c[1])):
            if all(c[1] <= k[0] or c[0] >= k[1] for k in chosen):
                chosen.append(c)
        kept += chosen
    return sorted(kept)


def scan(text: str | None) -> PHIResult:
    """Find Safe Harbor identifiers in text; see the module docstring for the rules."""
    if not text:
        return PHIResult()
    t, index = _normalise(text)
    base = _scan_base(t)
    findings = []
    for s, e, kind, sev in _dedupe(base + _scan_names(t, base)):
        if index is not None:
            s, e = index[s], index[e - 1] + 1
        tail = "Remove it" if sev == BLOCK else "If it is about a patient, remove it"
        reason = f"{_KINDS[kind][1]}. {tail}: Continuum must not hold patient information."
        findings.append(Finding(s, e, kind, reason, sev))
    return PHIResult(tuple(findings), text)


def message(result: PHIResult) -> str:
    """One user-facing sentence summarising the blocks (or, failing those, the warnings)."""
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
        if not isinstance(field.data, str) or not field.data:
            return
        result = scan(field.data)
        if result.blocked:
            raise ValidationError(self.message or message(result))
        field.phi_warnings = result.warnings
