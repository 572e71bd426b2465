"""Learning services: enroll, open and complete lessons, answer checks, summarize progress."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms import signals
from lms.accounts.models import User
from lms.content import Catalog, Course, Lesson
from lms.content.schema import CheckSpec
from lms.db import session as db
from lms.db import utcnow
from lms.learning.models import ActivityResponse, CheckAnswer, Enrollment, LessonProgress

# Page timings (docs/hours.md): a gap between two requests on the same lesson longer than this means the
# learner was away, and counts nothing.
LESSON_IDLE = timedelta(minutes=60)


class LearningError(ValueError):
    """A learning action that cannot happen now; the message is safe to show."""


def catalog() -> Catalog:
    return current_app.extensions["lms"].catalog


def find_enrollment(user: User, course_slug: str) -> Enrollment | None:
    return db.scalar(select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.course_slug == course_slug))


def enrollments_of(user: User) -> dict[str, Enrollment]:
    return {e.course_slug: e for e in db.scalars(select(Enrollment).where(Enrollment.user_id == user.id))}


def missing_prerequisites(user: User, course: Course, enrollments: dict[str, Enrollment] | None = None) -> list[Course]:
    enrollments = enrollments if enrollments is not None else enrollments_of(user)
    cat = catalog()
    return [cat.courses[slug] for slug in course.prerequisites
            if not (slug in enrollments and enrollments[slug].completed_at)]


def enroll(user: User, course: Course) -> Enrollment:
    """Enroll `user` in `course`; enrolling twice returns the existing enrollment."""
    existing = find_enrollment(user, course.slug)
    if existing:
        return existing
    missing = missing_prerequisites(user, course)
    if missing:
        raise LearningError("Complete " + ", ".join(c.title for c in missing) + " first.")
    enrollment = Enrollment(user_id=user.id, course_slug=course.slug, course_version=course.version)
    try:
        with db.begin_nested():  # a concurrent double-click loses the race without an error
            db.add(enrollment)
    except IntegrityError:
        return find_enrollment(user, course.slug)
    signals.learner_enrolled.send(enrollment, course=course)
    return enrollment


def progress_rows(enrollment: Enrollment) -> dict[str, LessonProgress]:
    return {p.lesson_slug: p for p in enrollment.lessons}


def note_time(row: LessonProgress, enrollment: Enrollment, now: datetime) -> None:
    """Time on task from page timings: add the gap since this learner's previous request, when that request
    was on this lesson too and the gap is no longer than LESSON_IDLE (docs/hours.md)."""
    if row.last_seen_at is not None and enrollment.last_lesson_slug == row.lesson_slug:
        gap = now - row.last_seen_at
        if timedelta(0) < gap <= LESSON_IDLE:
            row.active_seconds = (row.active_seconds or 0.0) + gap.total_seconds()
    row.last_seen_at = now
    enrollment.last_lesson_slug = row.lesson_slug


def open_lesson(enrollment: Enrollment, course: Course, lesson: Lesson) -> LessonProgress:
    now = utcnow()
    row = progress_rows(enrollment).get(lesson.slug)
    first = row is None
    if first:
        row = LessonProgress(enrollment=enrollment, lesson_slug=lesson.slug, first_opened_at=now, active_seconds=0.0)
        db.add(row)
    row.last_opened_at = now
    note_time(row, enrollment, now)
    enrollment.last_activity_at = now
    db.flush()
    signals.lesson_opened.send(row, course=course, lesson=lesson, first=first)
    return row


def answer_check(enrollment: Enrollment, course: Course, lesson: Lesson, check: CheckSpec,
                 selected: list[int]) -> CheckAnswer:
    chosen = sorted(set(selected))
    if not chosen:
        raise LearningError("Choose an answer first.")
    if any(i < 0 or i >= len(check.options) for i in chosen):
        raise LearningError("That answer is not one of the options.")
    if check.type == "single" and len(chosen) != 1:
        raise LearningError("Choose one answer.")
    correct = {i for i, option in enumerate(check.options) if option.correct}
    answer = CheckAnswer(enrollment_id=enrollment.id, lesson_slug=lesson.slug, lesson_version=lesson.version,
                         check_id=check.id, selected=chosen, correct=set(chosen) == correct)
    db.add(answer)
    enrollment.last_activity_at = utcnow()
    row = progress_rows(enrollment).get(lesson.slug)
    if row is not None:
        note_time(row, enrollment, enrollment.last_activity_at)
    db.flush()
    signals.check_answered.send(answer, course=course, lesson=lesson, check=check, enrollment=enrollment)
    return answer


def latest_answers(enrollment: Enrollment, lesson_slug: str) -> dict[str, CheckAnswer]:
    rows = db.scalars(select(CheckAnswer).where(CheckAnswer.enrollment_id == enrollment.id,
                                                CheckAnswer.lesson_slug == lesson_slug).order_by(CheckAnswer.id))
    return {row.check_id: row for row in rows}


def submitted_activities(enrollment: Enrollment, lesson_slug: str) -> dict[str, ActivityResponse]:
    rows = db.scalars(select(ActivityResponse).where(ActivityResponse.enrollment_id == enrollment.id,
                                                     ActivityResponse.lesson_slug == lesson_slug))
    return {row.activity_id: row for row in rows}


def _still_to_do(enrollment: Enrollment, lesson: Lesson) -> str | None:
    """What stops the lesson from being complete, in words, or None."""
    checks = sum(1 for c in lesson.checks if c.id not in latest_answers(enrollment, lesson.slug))
    submitted = submitted_activities(enrollment, lesson.slug) if lesson.activities else {}
    activities = sum(1 for a in lesson.activities if a.id not in submitted)
    if checks and activities:
        return f"Answer the knowledge checks ({checks} left) and submit the activities ({activities} left) first."
    if checks:
        return f"Answer the knowledge checks first ({checks} left)."
    if activities:
        return f"Submit the activities first ({activities} left)."
    return None


def complete_lesson(enrollment: Enrollment, course: Course, lesson: Lesson) -> LessonProgress:
    """Mark a lesson complete once each of its checks is answered and each activity submitted; may complete
    the course."""
    missing = _still_to_do(enrollment, lesson)
    if missing:
        raise LearningError(missing)
    row = progress_rows(enrollment).get(lesson.slug) or open_lesson(enrollment, course, lesson)
    if row.completed_at is None:
        row.completed_at, row.completed_version = utcnow(), lesson.version
        note_time(row, enrollment, row.completed_at)
        enrollment.last_activity_at = row.completed_at
        db.flush()
        signals.lesson_completed.send(row, course=course, lesson=lesson, enrollment=enrollment)
        done = {slug for slug, p in progress_rows(enrollment).items() if p.completed_at}
        if enrollment.completed_at is None and all(item.slug in done for item in course.lessons):
            enrollment.completed_at, enrollment.completed_version = utcnow(), course.version
            db.flush()
            signals.course_completed.send(enrollment, course=course)
    return row


@dataclass(frozen=True)
class CourseProgress:
    course: Course
    enrollment: Enrollment | None
    completed: frozenset[str]

    @property
    def done(self) -> int:
        return sum(1 for lesson in self.course.lessons if lesson.slug in self.completed)

    @property
    def total(self) -> int:
        return len(self.course.lessons)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def minutes_left(self) -> int:
        return sum(lesson.minutes for lesson in self.course.lessons if lesson.slug not in self.completed)

    @property
    def next_lesson(self) -> Lesson | None:
        """Where to resume: the first lesson not yet completed, in course order."""
        return next((lesson for lesson in self.course.lessons if lesson.slug not in self.completed), None)


def course_progress(user: User, course: Course) -> CourseProgress:
    enrollment = find_enrollment(user, course.slug)
    completed = frozenset(p.lesson_slug for p in enrollment.lessons if p.completed_at) if enrollment else frozenset()
    return CourseProgress(course, enrollment, completed)


def learner_summary(user: User) -> list[CourseProgress]:
    """Progress in every enrolled course, with two queries whatever the number of courses."""
    enrollments = enrollments_of(user)
    done: dict[int, set[str]] = defaultdict(set)
    if enrollments:
        rows = db.execute(select(LessonProgress.enrollment_id, LessonProgress.lesson_slug).where(
            LessonProgress.enrollment_id.in_([e.id for e in enrollments.values()]),
            LessonProgress.completed_at.is_not(None)))
        for enrollment_id, slug in rows:
            done[enrollment_id].add(slug)
    cat = catalog()
    return [CourseProgress(cat.courses[slug], e, frozenset(done[e.id]))
            for slug, e in enrollments.items() if slug in cat.courses]


def hours_by_domain(summary: list[CourseProgress]) -> dict[str, float]:
    """Contact hours earned by IC&RC domain: a course's hours count once it is completed."""
    totals = {domain.id: 0.0 for domain in catalog().framework.domains}
    for item in summary:
        if item.enrollment and item.enrollment.completed_at:
            for domain, hours in item.course.hours.items():
                totals[domain] = round(totals[domain] + hours, 2)
    return totals
