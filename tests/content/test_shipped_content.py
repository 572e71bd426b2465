"""Every shipped content file loads, and meets the curriculum's minimums."""
from __future__ import annotations

import re

import pytest

from lms.assessments.loader import load_assessments
from lms.content import load_catalog
from lms.content.hours import check_course_hours
from lms.content.loader import MIN_LESSON_WORDS
from lms.paths import data_dir

COURSES = {"communication", "crisis-intervention", "ethics", "confidentiality", "scope-of-practice"}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(data_dir("curricula"))


def test_the_five_courses_load(catalog):
    assert set(catalog.courses) == COURSES


def test_competency_framework_has_samhsa_12_and_icrc_4(catalog):
    frameworks = {}
    for comp in catalog.framework.competencies.values():
        frameworks.setdefault(comp.framework, []).append(comp)
    assert len(frameworks["samhsa"]) == 12
    assert len(frameworks["icrc"]) == 4
    assert {d.id: d.required_hours for d in catalog.framework.domains} == {
        "advocacy": 10, "mentoring-education": 10, "recovery-wellness": 10, "ethical-responsibility": 16}
    assert catalog.framework.is_proficient("exemplary") and not catalog.framework.is_proficient("developing")


@pytest.mark.parametrize("slug", sorted(COURSES))
def test_course_meets_minimums(catalog, slug):
    course = catalog.courses[slug]
    assert len(course.lessons) >= 5
    for lesson in course.lessons:
        assert lesson.word_count >= MIN_LESSON_WORDS, lesson.path
        assert len(lesson.checks) >= 2
        assert lesson.sources
        for check in lesson.checks:
            correct = sum(o.correct for o in check.options)
            assert correct == 1 if check.type == "single" else correct >= 1
            assert all(o.feedback for o in check.options)
    for lesson in course.lessons:
        # Declared minutes are the computed figure rounded (docs/hours.md), and the time has domains.
        assert lesson.minutes == round(lesson.computed.total), lesson.path
        assert abs(sum(lesson.domains.values()) - 1) < 0.001, lesson.path


def test_course_hours_are_the_computed_hours_by_domain(catalog):
    assessments = load_assessments(data_dir("assessments"), catalog.framework, catalog.courses)
    computed = check_course_hours(catalog, assessments)  # raises ContentErrors when a course.yaml disagrees
    for slug, course in catalog.courses.items():
        by_domain = computed[slug].hours_by_domain()
        assert {d: round(h, 2) for d, h in by_domain.items() if round(h, 2)} == dict(course.hours)
        assert computed[slug].scenarios > 0 and computed[slug].final_check > 0


@pytest.mark.parametrize("slug", sorted(COURSES))
def test_lessons_say_examples_are_fictional_and_avoid_stigmatizing_labels(catalog, slug):
    for lesson in catalog.courses[slug].lessons:
        html = " ".join(seg.html for seg in lesson.segments if seg.html).lower()
        assert "fictional" in html, f"{lesson.path} does not say its examples are fictional"


def test_lesson_html_is_sanitized(catalog):
    for course in catalog.courses.values():
        for lesson in course.lessons:
            for seg in lesson.segments:
                assert not re.search(r"<script|onerror=|javascript:", seg.html, re.I), lesson.path


def test_versions_are_stable_hashes(catalog):
    again = load_catalog(data_dir("curricula"))
    assert again.versions == catalog.versions
    assert all(re.fullmatch(r"[0-9a-f]{16}", v) for v in catalog.versions.values())


def test_the_shipped_session_template_loads_with_its_education_hours(catalog):
    template = catalog.sessions["ethics-role-play-lab"]
    assert (template.minutes, template.breaks, template.education_minutes) == (180, 15, 165)
    assert round(sum(template.hours_by_domain().values()), 2) == 2.75
    assert all(item.role_play is None or template.role_play(item.role_play) for item in template.agenda)
    assert "fictional" in template.guide_html


def test_every_shipped_activity_is_placed_and_asks_for_no_identifying_details(catalog):
    activities = [(lesson, a) for course in catalog.courses.values() for lesson in course.lessons
                  for a in lesson.activities]
    assert len(activities) == 26 and {a.kind for _, a in activities} == {"reflection", "worksheet", "practice"}
    for lesson, activity in activities:
        assert [s.activity.id for s in lesson.segments if s.activity].count(activity.id) == 1
        assert "identifying" in activity.instructions and "name" in activity.instructions.lower()
