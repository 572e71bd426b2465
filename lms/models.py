"""Every LMS model, imported in one place so the metadata (and Alembic) sees all tables."""
from lms.accounts.models import Invitation, Organization, SupervisorAssignment, User
from lms.db import Base
from lms.learning.models import CheckAnswer, Enrollment, LessonProgress

__all__ = ["Base", "CheckAnswer", "Enrollment", "Invitation", "LessonProgress", "Organization",
           "SupervisorAssignment", "User"]
