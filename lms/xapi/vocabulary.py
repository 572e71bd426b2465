"""Every verb, activity type and extension the LMS emits, with its IRI, in one place.

ADL, cmi5 and TLA terms are used where one exists; our own live under LMS_BASE_URL/xapi/vocab/.
docs/xapi.md documents each with an example statement.
"""
from __future__ import annotations

ADL = "http://adlnet.gov/expapi/verbs/"
ADL_ACTIVITIES = "http://adlnet.gov/expapi/activities/"


class Verb:
    REGISTERED = (ADL + "registered", "registered")
    LAUNCHED = (ADL + "launched", "launched")
    EXPERIENCED = (ADL + "experienced", "experienced")
    ANSWERED = (ADL + "answered", "answered")
    COMPLETED = (ADL + "completed", "completed")
    PROGRESSED = (ADL + "progressed", "progressed")
    PASSED = (ADL + "passed", "passed")
    FAILED = (ADL + "failed", "failed")
    INITIALIZED = (ADL + "initialized", "initialized")
    VOIDED = (ADL + "voided", "voided")
    # TLA / xAPI profile server terms for supervision and credentials.
    SCORED = ("http://adlnet.gov/expapi/verbs/scored", "scored")
    APPROVED = ("https://w3id.org/xapi/dod-isd/verbs/approved", "approved")
    EARNED = ("http://id.tincanapi.com/verb/earned", "earned")
    REVOKED = ("https://w3id.org/xapi/tla/verbs/revoked", "revoked")


class ActivityType:
    COURSE = ADL_ACTIVITIES + "course"
    MODULE = ADL_ACTIVITIES + "module"
    LESSON = ADL_ACTIVITIES + "lesson"
    INTERACTION = ADL_ACTIVITIES + "cmi.interaction"
    ASSESSMENT = ADL_ACTIVITIES + "assessment"
    COMPETENCY = ADL_ACTIVITIES + "objective"


class Extension:
    """Our extensions: IRIs built on LMS_BASE_URL so they resolve to documentation on the site."""

    CONTENT_VERSION = "xapi/vocab/extensions/content-version"
    PROGRESS = "https://w3id.org/xapi/cmi5/result/extensions/progress"


PLATFORM = "Peer Recovery LMS"
