"""The API's route modules, one per area; ``ALL`` is registered by ``lms.api.setup``."""

from lms.api.views import catalog, certificates, credits, learning, meetings, orgs, training

ALL = (catalog.blp, learning.blp, credits.blp, certificates.blp, orgs.blp, training.blp, meetings.blp)
