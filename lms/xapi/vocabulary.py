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
    RESPONDED = (ADL + "responded", "responded")  # a lesson activity revised after its first submission
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


class OwnVerb:
    """Our verbs where no registered one fits: paths under LMS_BASE_URL, like our extensions."""

    RETURNED = ("xapi/vocab/verbs/returned", "returned for correction")  # practice hours sent back to the trainee
    ATTESTED = ("xapi/vocab/verbs/attested", "attested")  # a supervisor's sign-off for a program
    WITHDREW = ("xapi/vocab/verbs/withdrew", "withdrew attestation")  # that sign-off withdrawn, with a reason


class ActivityType:
    COURSE = ADL_ACTIVITIES + "course"
    MODULE = ADL_ACTIVITIES + "module"
    LESSON = ADL_ACTIVITIES + "lesson"
    INTERACTION = ADL_ACTIVITIES + "cmi.interaction"
    # Lesson activities (formats spec 1): reflections and worksheets are written interactions; a practice is
    # something the learner performs (with a colleague, or out loud alone) and ticks off.
    WRITTEN = ADL_ACTIVITIES + "interaction"
    ASSESSMENT = ADL_ACTIVITIES + "assessment"
    COMPETENCY = ADL_ACTIVITIES + "objective"
    PERFORMANCE = ADL_ACTIVITIES + "performance"  # a practice log: work done in the field, then reviewed
    PROGRAM = "xapi/vocab/activity-types/program"  # ours, under LMS_BASE_URL: a certificate program
    CERTIFICATE = "http://id.tincanapi.com/activitytype/certificate"  # the Tin Can registry's term


class Extension:
    """Our extensions: IRIs built on LMS_BASE_URL so they resolve to documentation on the site."""

    CONTENT_VERSION = "xapi/vocab/extensions/content-version"
    PROGRESS = "https://w3id.org/xapi/cmi5/result/extensions/progress"
    LEVEL = "xapi/vocab/extensions/level"  # result: the scale level id of a rating
    EVIDENCE_SOURCE = "xapi/vocab/extensions/evidence-source"  # context: "rating" or "observation"
    OBSERVATION = "xapi/vocab/extensions/observation"  # context: the observation id behind the evidence
    PRACTICE_KIND = "xapi/vocab/extensions/practice-kind"  # context: "practice" or "supervision"
    ICRC_DOMAIN = "xapi/vocab/extensions/icrc-domain"  # context: the IC&RC domain id of the hours
    # Certificates: which award (its public number), what it replaced, and whose it is when an
    # administrator is the actor (an opaque account, like every actor).
    CERTIFICATE_NUMBER = "xapi/vocab/extensions/certificate-number"
    REPLACES = "xapi/vocab/extensions/replaces-certificate"
    HOLDER = "xapi/vocab/extensions/holder"
    # Lesson activities: the kind (activity definition), and in the result the words written (never the words
    # themselves: personal free text stays in the LMS) and how many times the response had been revised.
    ACTIVITY_KIND = "xapi/vocab/extensions/activity-kind"
    WORD_COUNT = "xapi/vocab/extensions/word-count"
    REVISION = "xapi/vocab/extensions/revision"


PLATFORM = "Peer Recovery LMS"
