"""Course views, split by who uses them: learners, authors, report readers, file downloads."""

from courses.views import authoring, files, learning, lessons, media, questions, reports  # noqa: F401
