"""CSV downloads that a spreadsheet cannot turn into formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response

from lms.text import clean_text, safe_filename

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets (OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value) -> str:
    text = "" if value is None else clean_text(str(value))
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_text(header: Iterable[str], rows: Iterable[Iterable]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return buffer.getvalue()


def csv_response(filename: str, header: Iterable[str], rows: Iterable[Iterable]) -> Response:
    # A BOM so Excel reads UTF-8 names correctly.
    body = "\ufeff" + csv_text(header, rows)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{safe_filename(filename, "export.csv")}"', "Cache-Control": "no-store"})
