"""Signals between domains. Each is sent inside the service's transaction, so a receiver that
writes (an xAPI statement, an eligibility check) commits or rolls back with the change itself."""
from blinker import Namespace

_signals = Namespace()

user_registered = _signals.signal("user-registered")
"""A new account exists. Sender: the User. kwargs: `via` ("signup", "invite", "admin", "cli")."""

learner_enrolled = _signals.signal("learner-enrolled")
"""A trainee enrolled in a course. Sender: the Enrollment. kwargs: `course` (content Course)."""

lesson_opened = _signals.signal("lesson-opened")
"""A trainee opened a lesson. Sender: the LessonProgress. kwargs: `course`, `lesson`, `first` (bool)."""

check_answered = _signals.signal("check-answered")
"""A trainee answered a knowledge check. Sender: the CheckAnswer. kwargs: `course`, `lesson`, `check`."""

activity_submitted = _signals.signal("activity-submitted")
"""A trainee submitted or revised a lesson activity (a reflection, worksheet or practice). Sender: the
ActivityResponse. kwargs: `course`, `lesson`, `activity` (ActivitySpec), `enrollment`, `revision` (bool: an
earlier submission was changed), `seconds` (float or None: from serving the page to the submission). The
learner's words stay in the response: receivers must not copy them anywhere else (xAPI records the word count)."""

lesson_completed = _signals.signal("lesson-completed")
"""A trainee completed a lesson. Sender: the LessonProgress (its `active_seconds` is the time on task from page
timings). kwargs: `course`, `lesson`, `enrollment`."""

course_completed = _signals.signal("course-completed")
"""A trainee completed every lesson of a course. Sender: the Enrollment. kwargs: `course`."""

assessment_started = _signals.signal("assessment-started")
"""A trainee started an attempt. Sender: the Attempt. kwargs: `assessment` (Scenario or FinalCheck)."""

decision_recorded = _signals.signal("decision-recorded")
"""A scenario decision or a final-check answer was recorded. Sender: the AttemptStep.
kwargs: `attempt`, `assessment`, `node` (Decision) or `item` (bank Item), `option` (scenario Option or None)."""

assessment_finished = _signals.signal("assessment-finished")
"""An attempt ended and was scored. Sender: the Attempt. kwargs: `assessment`. Credentials and
supervision listen to this to re-check eligibility and record evidence."""

competency_rated = _signals.signal("competency-rated")
"""A supervisor rated a trainee on a competency, directly or through an observation. Sender: the
CompetencyEvidence. kwargs: `trainee` (User), `supervisor` (User)."""

statements_stored = _signals.signal("statements-stored")
"""The LRS stored new xAPI statements (from the recorder or a client). Sender: the list of statements as
stored (duplicates of earlier ones left out). kwargs: `stored` (datetime, their "stored" timestamp) and
`authority_key` (str, who stored them: the LMS's own key is `lms.xapi.authority.lms_authority_key()`)."""

hours_reviewed = _signals.signal("hours-reviewed")
"""A supervisor approved or returned a practice log. Sender: the PracticeLog. kwargs: `reviewer`
(User), `approved` (bool)."""

signed_off = _signals.signal("signed-off")
"""A supervisor signed a trainee off for a program, or withdrew that sign-off. Sender: the SignOff.
kwargs: `trainee` (User), `supervisor` (User), `withdrawn` (bool)."""

certificate_issued = _signals.signal("certificate-issued")
"""A certificate was created (first award, renewal or re-issue). Sender: the Certificate.
kwargs: `program` (Program), `replaces` (the superseded Certificate or None), `actor` (User or None).
The credential module signs it here, inside the issuing transaction."""

certificate_status_changed = _signals.signal("certificate-status-changed")
"""A certificate was suspended, reinstated, revoked or superseded. Sender: the Certificate.
kwargs: `action` (str), `actor` (User or None), `reason` (str)."""
