"""Training views: the learner's required training (learner), assignments, roster and compliance (manage)."""

from lms.training.views import learner, manage  # noqa: F401
from lms.training import roster_template  # noqa: F401  (the roster template CSV)
