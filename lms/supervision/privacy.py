"""Moved to lms/privacy.py (learning uses it too, and may not import supervision); kept for old imports."""
from lms.privacy import CLIENT_DETAILS_WARNING, looks_like_client_details

__all__ = ["CLIENT_DETAILS_WARNING", "looks_like_client_details"]
