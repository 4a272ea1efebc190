"""Imports every package's models so the metadata (and Alembic) sees the whole schema."""

from lms.audit.models import AuditEvent  # noqa: F401
from lms.certificates.models import (  # noqa: F401
    BulkRun, Certificate, CertificateAsset, CertificateTemplate, CertificateTemplateVersion, SigningKey,
)
from lms.credits.models import CreditEntry, CreditType, ExternalCredit, ReminderLog, Requirement  # noqa: F401
from lms.orgs.models import Invitation, Membership, Organisation, Team, TeamMember  # noqa: F401
from lms.sessions.models import UserSession  # noqa: F401
from lms.sso.models import SamlAssertionSeen, SamlRequest, SsoConnection, SsoDomain, SsoIdentity  # noqa: F401
from lms.users.models import BoardCertification, Licence, User  # noqa: F401
from meetings.models import (  # noqa: F401
    ActionItem, AttendanceInterval, CalendarFeed, JitsiEvent, Meeting, MeetingCohost, MeetingCredit,
    MeetingEvaluation, MeetingInvitee, MeetingTeam, MinutesAcknowledgement,
)
from courses.models import (  # noqa: F401
    Course, CourseCompletion, CourseFile, CourseModule, CoursePerson, CourseTag, CourseVersion, CreditDesignation,
    Enrolment, EvaluationAnswer, EvaluationItem, FinancialRelationship, Lesson, LessonProgress, Quiz, QuizAttempt,
    QuizChoice, QuizOption, QuizQuestion, QuizResponse,
)
from lms.training.models import Assignment, RosterImport, TrainingPreference, TrainingRecord  # noqa: F401
