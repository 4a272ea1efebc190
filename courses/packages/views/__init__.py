"""Views: the LRS and fetch URL (``lrs``), sandboxed content (``content``), the automation API (``api``),
and the pages (``pages``)."""

from courses.packages.views import api, content, lrs, lrs_settings, pages  # noqa: F401
