"""Training views: the learner's required training (learner), assignments, roster and compliance (manage)."""

from lms.training.views import learner, manage  # noqa: F401
