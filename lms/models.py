"""Every LMS model, imported in one place so the metadata (and Alembic) sees all tables."""

from lms.accounts.models import Invitation, Organization, SupervisorAssignment, User
from lms.assessments.models import Attempt, AttemptStep, TimeExtension
from lms.certificates import keys as _certificate_keys  # noqa: F401  (SigningKey)
from lms.certificates import models as _certificate_models  # noqa: F401
from lms.db import Base
from lms.learning.models import ActivityResponse, CheckAnswer, Enrollment, LessonProgress
from lms.supervision.models import CompetencyEvidence, Observation, PracticeLog, SignOff
from lms.xapi.models import Activity, Attachment, Document, LRSClient, OutboxItem, Statement, StatementIndex

__all__ = [
    "Activity",
    "ActivityResponse",
    "Attachment",
    "Attempt",
    "AttemptStep",
    "TimeExtension",
    "Base",
    "CheckAnswer",
    "CompetencyEvidence",
    "Document",
    "LRSClient",
    "Observation",
    "OutboxItem",
    "PracticeLog",
    "SignOff",
    "Statement",
    "StatementIndex",
    "Enrollment",
    "Invitation",
    "LessonProgress",
    "Organization",
    "SupervisorAssignment",
    "User",
]
