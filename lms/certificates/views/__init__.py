"""Certificate views: the learner's certificates and public verification (learner), bulk runs and templates
(manage), the design editor (design)."""

from lms.certificates.views import design, learner, manage  # noqa: F401
