"""The core's models. Each feature imports its own ``models`` in its ``init_app``, so the metadata
(and Alembic, which runs inside the app) sees the whole schema once the app is created."""

from lms.audit.models import AuditEvent  # noqa: F401
from lms.caching import CacheGeneration  # noqa: F401
from lms.mfa.models import MfaPolicy, Passkey, RecoveryCode, TotpCredential  # noqa: F401
from lms.scim.models import ScimGroup, ScimToken, ScimUser  # noqa: F401
from lms.orgs.models import Invitation, Membership, Organisation, Team, TeamMember  # noqa: F401
from lms.sessions.models import UserSession  # noqa: F401
from lms.users.models import BoardCertification, Licence, User  # noqa: F401
