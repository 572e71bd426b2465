"""Content loading: course, lesson and competency files into frozen, typed, validated objects."""
from lms.content.errors import ContentError, ContentErrors
from lms.content.loader import load_catalog
from lms.content.models import Catalog, Course, Lesson

__all__ = ["Catalog", "ContentError", "ContentErrors", "Course", "Lesson", "load_catalog"]
