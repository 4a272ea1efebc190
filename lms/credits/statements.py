"""Accreditation and credit designation statements, per credit type and accreditor.

A certificate carries, for each credit it awards, the designation statement of that credit and the
accreditation statement of the accreditor behind it, so a nurse's certificate names ANCC, never the
physicians' ACCME statement. A jointly accredited provider uses the one Joint Accreditation statement
(which must stand alone, apart from the others) and the JA wording of each designation.

Statements are lists of parts (``{"text": ..., "em": bool}``) so a certificate can set the AMA credit
name in italics, as the AMA requires (*AMA PRA Category 1 Credit*™), and plain text elsewhere.
Amounts are singular for exactly 1 and plural otherwise ("1 AMA PRA Category 1 Credit™",
"1.5 … Credits™", "1 contact hour").

Sources (see also /work/shared/ACCREDITATION.md): AMA PRA designation statement and its italics
(ama-assn.org provider FAQ; meetingsnet.com 2006/2011 summaries); ACCME accreditation statement
(accme.org); ANCC NCPD provider statement (coloradonurses.org/faqs-2, ANCC approver FAQ); ACPE provider
statement, contact hours and CEUs = hours / 10 (acpe-accredit.org); AAPA Category 1 statement;
ABIM MOC statement (accme.org FAQ on ABIM points); Joint Accreditation statement and the IPCE credit
statement (jointaccreditation.org/designation-credits; "ACCME/ACPE/ANCC Policies for Jointly Accredited
Providers": the JA statement stands alone, separated from any other).
"""

from __future__ import annotations

from decimal import Decimal

Parts = list[dict]

ACCME = ("{provider} is accredited by the Accreditation Council for Continuing Medical Education (ACCME) to "
         "provide continuing medical education for physicians.")
ANCC = ("{provider} is accredited as a provider of nursing continuing professional development by the American "
        "Nurses Credentialing Center's Commission on Accreditation.")
ACPE = ("{provider} is accredited by the Accreditation Council for Pharmacy Education as a provider of continuing "
        "pharmacy education.")
AAPA = "This activity has been reviewed by the AAPA Review Panel and is compliant with AAPA CME Criteria."
AAPA_JOINT = ("{provider} has been authorized by the American Academy of PAs (AAPA) to award AAPA Category 1 CME "
              "credit for activities planned in accordance with AAPA CME Criteria.")
JOINT = ("In support of improving patient care, {provider} is jointly accredited by the Accreditation Council for "
         "Continuing Medical Education (ACCME), the Accreditation Council for Pharmacy Education (ACPE), and the "
         "American Nurses Credentialing Center (ANCC), to provide continuing education for the healthcare team.")

# The accreditor whose statement stands behind each credit type (when not jointly accredited).
ACCREDITOR = {"ama_pra_1": ACCME, "abim_moc": ACCME, "ancc": ANCC, "acpe": ACPE, "aapa_1": AAPA}


def fmt(amount: Decimal) -> str:
    text = f"{Decimal(amount).quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def plural(amount: Decimal, singular: str, many: str) -> str:
    return singular if Decimal(amount) == 1 else many


_SINGULAR = {"credits": "credit", "contact hours": "contact hour", "points": "point", "hours": "hour"}


def unit(name: str, amount: Decimal) -> str:
    """A credit type's unit for an amount: "1 credit", "1.5 credits", "1 contact hour"."""
    return _SINGULAR.get(name, name) if Decimal(amount) == 1 else name


def ceu(hours: Decimal) -> Decimal:
    """ACPE: one continuing education unit is ten contact hours."""
    return (Decimal(hours) / 10).quantize(Decimal("0.001")).normalize()


def _t(text: str) -> dict:
    return {"text": text, "em": False}


def _em(text: str) -> dict:
    return {"text": text, "em": True}


def credit_name(code: str, amount: Decimal | None = None) -> Parts:
    """The credit's name (plural unless ``amount`` is exactly 1), the AMA's in italics."""
    n = Decimal(1 if amount is None else amount)
    if code == "ama_pra_1":
        return [_em(plural(n, "AMA PRA Category 1 Credit", "AMA PRA Category 1 Credits")), _t("™")]
    if code == "ama_pra_2":
        return [_em(plural(n, "AMA PRA Category 2 Credit", "AMA PRA Category 2 Credits")), _t("™")]
    names = {"ancc": ("ANCC contact hour", "ANCC contact hours"), "acpe": ("ACPE contact hour", "ACPE contact hours"),
             "aapa_1": ("AAPA Category 1 CME credit", "AAPA Category 1 CME credits"),
             "abim_moc": ("ABIM MOC point", "ABIM MOC points"), "ipce": ("IPCE credit", "IPCE credits"),
             "participation": ("hour of participation", "hours of participation")}
    one, many = names.get(code, (code, code))
    return [_t(plural(n, one, many))]


def designation(code: str, *, provider: str, format_name: str, amount: Decimal, uan: str = "",
                joint: bool = False) -> Parts:
    """The designation statement for ``amount`` of credit type ``code``."""
    n, amt = Decimal(amount), fmt(amount)
    if code == "ama_pra_1":
        return [_t(f"{provider} designates this {format_name} for a maximum of {amt} "),
                *credit_name(code, n),
                _t(". Physicians should claim only the credit commensurate with the extent of their participation "
                   "in the activity.")]
    if code == "ama_pra_2":
        return [*credit_name(code, 2),
                _t(" is self-claimed and self-documented by physicians for learning activities that are not "
                   "certified for Category 1 credit.")]
    if code == "ancc":
        hours = plural(n, "contact hour", "contact hours")
        if joint:
            return [_t(f"{provider} designates this activity for a maximum of {amt} ANCC {hours}.")]
        return [_t(f"This {format_name} awards {amt} {hours} of nursing continuing professional development.")]
    if code == "acpe":
        hours, units = plural(n, "contact hour", "contact hours"), ceu(n)
        tail = f" ({fmt(units)} {plural(units, 'CEU', 'CEUs')}). Universal Activity Number: {uan or '—'}."
        if joint:
            return [_t(f"{provider} designates this activity for a maximum of {amt} ACPE {hours}{tail}")]
        return [_t(f"This {format_name} is approved for {amt} {hours} of continuing pharmacy education{tail}")]
    if code == "aapa_1":
        return [_t(f"This activity is designated for {amt} AAPA Category 1 CME "
                   f"{plural(n, 'credit', 'credits')}. PAs should only claim credit commensurate with the extent "
                   "of their participation.")]
    if code == "abim_moc":
        return [_t("Successful completion of this CME activity, which includes participation in the evaluation "
                   f"component, enables the participant to earn up to {amt} {plural(n, 'MOC point', 'MOC points')} "
                   "in the American Board of Internal Medicine's (ABIM) Maintenance of Certification (MOC) "
                   "program. It is the CME activity provider's responsibility to submit participant completion "
                   "information to ACCME for the purpose of granting ABIM MOC credit.")]
    if code == "ipce":
        return [_t(f"This activity was planned by and for the healthcare team, and learners will receive {amt} "
                   f"Interprofessional Continuing Education (IPCE) {plural(n, 'credit', 'credits')} for learning "
                   "and change.")]
    if code == "participation":
        return [_t(f"This certifies participation in {amt} {plural(n, 'hour', 'hours')} of this {format_name}. A "
                   "certificate of participation is issued to professions that the activity's accredited credit "
                   "does not cover.")]
    return []


def accreditation(codes: list[str], *, provider: str, joint: bool) -> list[str]:
    """The accreditation statements behind these credit types, each once, in the order given."""
    if joint:
        accredited = [c for c in codes if c in ACCREDITOR or c == "ipce"]
        out = [JOINT.format(provider=provider)] if accredited else []
        if "aapa_1" in codes:
            out.append(AAPA_JOINT.format(provider=provider))
        return out
    out: list[str] = []
    for code in codes:
        text = ACCREDITOR.get(code, "").format(provider=provider)
        if text and text not in out:
            out.append(text)
    return out


def plain(parts: Parts) -> str:
    return "".join(part["text"] for part in parts)
