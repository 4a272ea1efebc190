"""From a snapshot of plain values to PDF bytes: the template (built-in or a provider's version),
the page size, the QR code and the uploaded images, rendered in the limited child process."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import segno
from flask import current_app

from lms.certificates.renderer import render_in_process, render_isolated

TEMPLATE_DIR = Path(__file__).resolve().parent.parent.parent / "templates" / "certificates" / "pdf"
BUILTIN_REF = "builtin:default/2"  # /2: shipped fonts, seal slot (issue 21)
# What a certificate says; a re-issue happens only when one of these changes.
CONTENT_KEYS = ("kind", "title", "learner", "activity", "provider", "credits", "attendance")


@lru_cache(maxsize=4)
def builtin(name: str) -> str:
    return (TEMPLATE_DIR / name).read_text()


@lru_cache(maxsize=2)
def page_css(size: str) -> str:
    # The sheet fills the page: landscape height less the two 10 mm margins.
    height = "190mm" if size == "A4" else "195.9mm"
    return (f"@page {{ size: {'A4' if size == 'A4' else 'Letter'} landscape; margin: 10mm; }} "
            f"html, body {{ height: {height}; }}")


def qr_svg(url: str) -> bytes:
    """The QR code as SVG: weasyprint draws it as vectors (sharp when printed), and it is ~10x
    cheaper than PNG. A fixed mask skips segno's search for the best of eight, which costs more
    than the rest of the encoding; every mask decodes the same."""
    buffer = io.BytesIO()
    segno.make(url, error="m", mask=0, boost_error=False).save(buffer, kind="svg", scale=6, border=2,
                                                               xmldecl=False, svgns=True)
    return buffer.getvalue()


def build_job(snapshot: dict, *, html: str | None = None, css: str | None = None, logo: tuple | None = None,
              signature: tuple | None = None, seal: tuple | None = None) -> dict:
    """The render job for ``snapshot``; ``html``/``css`` default to the built-in design.

    ``logo``, ``signature`` and ``seal`` are ``(content_type, bytes)``; they reach the renderer only as
    named in-memory assets, as does the QR code.
    """
    assets = {"qr.svg": qr_svg(snapshot["verify_url"])}
    context = dict(snapshot, qr_url="continuum-asset:qr.svg", logo_url="", signature_url="", seal_url="")
    for name, image in (("logo", logo), ("signature", signature), ("seal", seal)):
        if image:
            assets[name + _ext(image[0])] = image[1]
            context[name + "_url"] = "continuum-asset:" + name + _ext(image[0])
    css_list = [builtin("default.css") if css is None else css, page_css(snapshot.get("page_size", "Letter"))]
    return {"html": builtin("default.html") if html is None else html, "css": css_list, "context": context,
            "assets": assets}


def _ext(content_type: str) -> str:
    return {"image/png": ".png", "image/jpeg": ".jpg"}.get(content_type, ".png")


def version_images(version) -> dict:
    """The images a saved template version renders with, as ``build_job`` keyword arguments."""
    if version is None:
        return {}
    return {name: (asset.content_type, asset.data) for name, asset in
            (("logo", version.logo), ("signature", version.signature), ("seal", version.seal)) if asset is not None}


def to_png(pdf: bytes, *, width: int = 1100) -> bytes:
    """The first page of a PDF we rendered, as a PNG ``width`` pixels wide (pdfium), for previews."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        image = page.render(scale=width / page.get_width()).to_pil()
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=True)
        return buffer.getvalue()
    finally:
        document.close()


def render(job: dict) -> bytes:
    config = current_app.config
    if not config.get("CERTIFICATE_RENDER_ISOLATED", True):
        return render_in_process(job)
    return render_isolated(job, timeout=float(config.get("CERTIFICATE_RENDER_TIMEOUT", 20)),
                           memory_mb=int(config.get("CERTIFICATE_RENDER_MEMORY_MB", 512)))
