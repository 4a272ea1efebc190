"""Reading issued PDFs in tests: text, embedded files, the QR code."""

from __future__ import annotations

import io

from pypdf import PdfReader


def text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def embedded_files(data: bytes) -> list:
    reader = PdfReader(io.BytesIO(data))
    names = reader.trailer["/Root"].get("/Names")
    files = list(reader.attachments)
    return files + ([names] if names is not None and "/EmbeddedFiles" in names.get_object() else [])


def qr_codes(data: bytes) -> list[str]:
    """Decode every QR code on the rendered pages, as a phone camera would see the printout.

    The QR code is vector art (SVG), so the page is rasterised (pdfium) before decoding.
    """
    import pypdfium2
    import zxingcpp

    found = []
    document = pypdfium2.PdfDocument(data)
    for index in range(len(document)):
        image = document[index].render(scale=2).to_pil()
        found += [r.text for r in zxingcpp.read_barcodes(image)]
    document.close()
    return found


def text_lines(data: bytes) -> list[str]:
    """The text of every page, line by line as laid out (a code broken across lines shows here)."""
    reader = PdfReader(io.BytesIO(data))
    return [line for page in reader.pages for line in (page.extract_text() or "").splitlines()]
