"""Certificate programs: the shipped files load, their hours are what the courses provide, and every
problem in a bad file is reported as file:line: problem."""
from __future__ import annotations

import shutil

import pytest

from lms.certificates.programs import load_programs, program_hours
from lms.content.errors import ContentErrors
from tests.conftest import REPO

CORE = "peer-recovery-core-training"
READINESS = "peer-recovery-practice-readiness"


@pytest.fixture
def state(app):
    return app.extensions["lms"]


def test_shipped_programs_are_on_the_app_state(state):
    assert set(state.programs) == {CORE, READINESS}
    core, readiness = state.programs[CORE], state.programs[READINESS]
    assert (core.issuance, readiness.issuance) == ("automatic", "approval")
    assert core.requirements.courses == ["communication", "crisis-intervention", "ethics", "confidentiality",
                                         "scope-of-practice"]
    assert len(core.requirements.assessments) == 10
    assert readiness.requirements.practice_hours == 500 and readiness.requirements.supervision_hours == 25
    assert readiness.requirements.sign_off and readiness.requirements.ethics_attestation
    assert core.renewal.ce_hours == 20 and core.renewal.ethics_hours == 6
    assert state.programs.code_of_ethics is not None and len(state.programs.code_of_ethics.principles) >= 8


def test_min_scores_are_the_scenarios_own_pass_marks(state):
    for wanted in state.programs[CORE].requirements.assessments:
        assert wanted.min_score == state.assessments.scenario(wanted.id).settings.pass_mark


def test_program_hours_are_the_sum_of_the_course_hours_by_domain(state):
    hours = program_hours(state.programs[CORE], state.catalog)
    expected: dict[str, float] = {}
    for course in state.catalog.courses.values():
        for domain, h in course.hours.items():
            expected[domain] = expected.get(domain, 0.0) + h
    assert hours["by_domain"] == pytest.approx(expected)
    assert hours["total"] == pytest.approx(12.83) == state.programs[CORE].achievement.credits_available
    assert hours["ethics"] == pytest.approx(6.71) == expected["ethical-responsibility"]


def test_alignments_cover_what_the_courses_cover(state):
    covered = {c for course in state.catalog.courses.values() for c in course.competencies}
    assert set(state.programs[CORE].achievement.alignments) == covered


# bad files -------------------------------------------------------------------------------------

@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "certificates"
    root.mkdir()
    for name in (f"{CORE}.yaml", f"{READINESS}.yaml", "code-of-ethics.md"):
        shutil.copy(REPO / "certificates" / name, root / name)
    return root


def _edit(folder, name, old, new):
    path = folder / name
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    return text.replace(old, new, 1)


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def _errors(folder, state) -> list[str]:
    with pytest.raises(ContentErrors) as info:
        load_programs(folder, state.catalog, state.assessments)
    return [str(e) for e in info.value.errors]


BAD = [
    # (what, old text, new text, line marker in the new file, problem)
    ("unknown key", "issuance: automatic", "issuance: automatic\ncolour: blue", "colour: blue",
     "unknown key 'colour'"),
    ("unknown course", "    - ethics\n", "    - ethic\n", "    - ethic", "unknown course 'ethic'"),
    ("unknown assessment", "{id: war-stories,", "{id: war-story,", "war-story", "unknown assessment 'war-story'"),
    ("score under the pass mark", "{id: used-again, min_score: 0.8}", "{id: used-again, min_score: 0.5}",
     "min_score: 0.5", "min_score 0.5 for 'used-again' is below its pass mark 0.8"),
    ("score over 1", "{id: used-again, min_score: 0.8}", "{id: used-again, min_score: 80}", "min_score: 80",
     "less than or equal to 1"),
    ("unknown alignment", "    - provides-support\n", "    - gives-support\n", "gives-support",
     "unknown competency 'gives-support'"),
    ("hours not provided by the courses", "credits_available: 12.83", "credits_available: 46",
     "credits_available: 46", "credits_available is 46 but the program's courses provide 12.83 hours"),
    ("bad issuance mode", "issuance: automatic", "issuance: whenever", "issuance: whenever", "issuance"),
    ("slug unlike the file", "slug: peer-recovery-core-training", "slug: core-training", "slug: core-training",
     "must equal the file name 'peer-recovery-core-training'"),
    ("course listed twice", "    - confidentiality\n", "    - ethics\n", None, "course 'ethics' is listed twice"),
    ("yaml syntax", "issuance: automatic", "issuance: automatic: now", "issuance: automatic: now", "YAML syntax"),
    ("ethics over the total", "ethics_hours: 6", "ethics_hours: 26", "renewal:",
     "ethics_hours (26) cannot exceed ce_hours (20)"),
]


@pytest.mark.parametrize("what,old,new,marker,problem", BAD, ids=[b[0] for b in BAD])
def test_a_bad_program_file_names_file_line_and_problem(folder, state, what, old, new, marker, problem):
    text = _edit(folder, f"{CORE}.yaml", old, new)
    errors = _errors(folder, state)
    shown = f"certificates/{CORE}.yaml:"
    assert any(e.startswith(shown) and problem in e for e in errors), errors
    if marker:
        line = _line(text, marker)
        assert any(e.startswith(f"{shown}{line}:") and problem in e for e in errors), (line, errors)


def test_a_missing_key_is_named(folder, state):
    text = (folder / f"{CORE}.yaml").read_text()
    start, end = text.index("signatory:"), len(text)
    (folder / f"{CORE}.yaml").write_text(text[:start] + text[end:])
    line = _line(text, "slug:")  # the top-level mapping starts at its first key, below the comments
    assert f"certificates/{CORE}.yaml:{line}: missing required key 'signatory'" in _errors(folder, state)


def test_an_unknown_requirement_competency_names_its_line(folder, state):
    text = _edit(folder, f"{READINESS}.yaml", "  competencies:\n    - icrc-advocacy\n",
                 "  competencies:\n    - icrc-advocacy-x\n")
    line = _line(text, "icrc-advocacy-x")
    assert f"certificates/{READINESS}.yaml:{line}: unknown competency 'icrc-advocacy-x'" in _errors(folder, state)


def test_an_attestation_needs_the_code_of_ethics(folder, state):
    (folder / "code-of-ethics.md").unlink()
    errors = _errors(folder, state)
    assert f"certificates/{READINESS}.yaml:1: ethics_attestation needs code-of-ethics.md beside the programs" in errors


def test_every_problem_is_reported_at_once(folder, state):
    _edit(folder, f"{CORE}.yaml", "    - ethics\n", "    - ethic\n")
    _edit(folder, f"{READINESS}.yaml", "issuance: approval", "issuance: approval\nextra: 1")
    errors = _errors(folder, state)
    assert any(CORE in e and "unknown course 'ethic'" in e for e in errors)
    assert any(READINESS in e and "unknown key 'extra'" in e for e in errors)


def test_check_content_reports_programs(runner, folder, app):
    result = runner.invoke(args=["lms", "check-content"])
    assert result.exit_code == 0, result.output
    assert "Programs OK: 2 certificate programs." in result.output
    _edit(folder, f"{CORE}.yaml", "    - ethics\n", "    - ethic\n")
    app.config["LMS_CERTIFICATES_DIR"] = str(folder)
    result = runner.invoke(args=["lms", "check-content"])
    assert result.exit_code == 1
    assert f"certificates/{CORE}.yaml:" in result.output and "unknown course 'ethic'" in result.output
