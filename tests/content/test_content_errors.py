"""Bad content gives file:line: problem, for every problem at once, never a traceback."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lms.content import ContentErrors, load_catalog
from tests.conftest import REPO
from tests.content.builders import BODY, check, lesson_meta, make_tree, write_lesson


@pytest.fixture
def tree(tmp_path) -> Path:
    return make_tree(tmp_path / "curricula")


def errors_of(root: Path) -> list[str]:
    with pytest.raises(ContentErrors) as info:
        load_catalog(root)
    return [str(e) for e in info.value.errors]


def line_number(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


LESSON = "curricula/demo-course/lessons/01-lesson-1.md"


def test_valid_tree_loads(tree):
    catalog = load_catalog(tree)
    course = catalog.courses["demo-course"]
    assert [lesson.position for lesson in course.lessons] == [1, 2, 3, 4, 5]
    assert course.lessons[0].segments[1].check.id == "first"  # placed inline
    assert course.lessons[0].segments[-1].check.id == "second"  # unplaced: at the end


def test_unknown_key_in_course_names_file_and_line(tree):
    course = tree / "demo-course" / "course.yaml"
    course.write_text(course.read_text().replace("summary:", "sumary:"))
    errors = errors_of(tree)
    assert f"curricula/demo-course/course.yaml:{line_number(course, 'sumary:')}: unknown key 'sumary'" in errors
    assert any("missing required key 'summary'" in e for e in errors)


def test_yaml_syntax_error_names_the_line(tree):
    course = tree / "demo-course" / "course.yaml"
    course.write_text(course.read_text().replace("title: Demo course", "title: [unclosed"))
    errors = errors_of(tree)
    assert len(errors) == 1 and errors[0].startswith("curricula/demo-course/course.yaml:")
    assert "YAML syntax" in errors[0]


def test_single_choice_check_needs_exactly_one_correct_option(tree):
    meta = lesson_meta()
    meta["checks"][0] = check("first", "single", correct=(0, 1))
    path = tree / "demo-course" / "lessons" / "01-lesson-1.md"
    write_lesson(path, meta)
    errors = errors_of(tree)
    line = line_number(path, "- id: first") if "- id: first" in path.read_text() else None
    assert any(e.startswith(LESSON) and "exactly one correct option, found 2" in e for e in errors), errors
    assert line is None or any(e.startswith(f"{LESSON}:") for e in errors)


def test_multiple_choice_check_needs_a_correct_option(tree):
    meta = lesson_meta()
    meta["checks"][1] = check("second", "multiple", correct=())
    write_lesson(tree / "demo-course" / "lessons" / "01-lesson-1.md", meta)
    assert any("at least one correct option" in e for e in errors_of(tree))


def test_option_without_feedback_is_reported_at_its_line(tree):
    meta = lesson_meta()
    del meta["checks"][0]["options"][1]["feedback"]
    path = tree / "demo-course" / "lessons" / "01-lesson-1.md"
    write_lesson(path, meta)
    errors = errors_of(tree)
    option_line = line_number(path, "text: Option 1")
    assert f"{LESSON}:{option_line}: missing required key 'feedback'" in errors, errors


def test_unknown_competency_short_body_and_bad_placeholder(tree):
    meta = lesson_meta()
    meta["competencies"] = ["engages-peers", "made-up-skill"]
    write_lesson(tree / "demo-course" / "lessons" / "01-lesson-1.md", meta,
                 body="Too short to teach anything.\n\n[[check:no-such-check]]\n")
    joined = "\n".join(errors_of(tree))
    assert "unknown competency 'made-up-skill'" in joined
    assert "the lesson body has" in joined and "at least 500 are needed" in joined
    assert "[[check:no-such-check]] names no check" in joined


def test_every_error_has_a_line_number(tree):
    meta = lesson_meta()
    meta["colour"] = "blue"
    meta["sources"] = []
    write_lesson(tree / "demo-course" / "lessons" / "02-lesson-2.md", meta)
    errors = errors_of(tree)
    assert len(errors) >= 2
    assert all(e.split(":")[1].isdigit() for e in errors)


def test_too_few_lessons(tmp_path):
    root = make_tree(tmp_path / "curricula", lessons=3)
    assert any("at least 5 lessons, found 3" in e for e in errors_of(root))


def test_prerequisite_cycle_and_unknown_prerequisite(tree):
    make_tree(tree, slug="second-course")
    for slug, prereq in (("demo-course", "[second-course, nope]"), ("second-course", "[demo-course]")):
        path = tree / slug / "course.yaml"
        path.write_text(path.read_text().replace("prerequisites: []", f"prerequisites: {prereq}"))
    joined = "\n".join(errors_of(tree))
    assert "prerequisite cycle" in joined
    assert "unknown prerequisite course 'nope'" in joined


def test_unlisted_lesson_and_misnamed_file(tree):
    write_lesson(tree / "demo-course" / "lessons" / "06-stray.md", lesson_meta())
    (tree / "demo-course" / "lessons" / "Notes.md").write_text(BODY)
    joined = "\n".join(errors_of(tree))
    assert "lesson 'stray' is not listed in any module" in joined
    assert "lesson files are named NN-slug.md" in joined


def test_slug_must_match_folder(tree):
    path = tree / "demo-course" / "course.yaml"
    path.write_text(path.read_text().replace("slug: demo-course", "slug: other"))
    assert any("must equal the folder name" in e for e in errors_of(tree))


def flask_cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    base = {"SECRET_KEY": "x" * 40, "PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", "lms", *args], cwd=REPO,
                          env={**base, **env}, capture_output=True, text=True, timeout=120)


def test_check_content_cli_passes_on_shipped_content_and_lists_problems(tree, tmp_path):
    ok = flask_cli("check-content", env={"DATABASE_URL": f"sqlite:///{tmp_path}/a.db"})
    assert ok.returncode == 0, ok.stderr
    assert "Content OK: 5 courses" in ok.stdout

    course = tree / "demo-course" / "course.yaml"
    course.write_text(course.read_text().replace("summary:", "sumary:"))
    bad = flask_cli("check-content", env={"LMS_CURRICULA_DIR": str(tree), "DATABASE_URL": f"sqlite:///{tmp_path}/b.db"})
    assert bad.returncode == 1
    assert f"curricula/demo-course/course.yaml:{line_number(course, 'sumary:')}: unknown key 'sumary'" in bad.stderr
    assert "Traceback" not in bad.stderr
