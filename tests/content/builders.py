"""Write small, valid content trees for tests to break in controlled ways."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from lms.paths import data_dir

BODY = (
    "*All names in this lesson are fictional.*\n\n## Section\n\n"
    + ("Peer support builds hope. " * 130)
    + "\n\n[[check:first]]\n"
)


def check(check_id: str, kind: str = "single", correct=(0,)) -> dict:
    return {
        "id": check_id,
        "type": kind,
        "prompt": "Which is right?",
        "competencies": ["engages-peers"],
        "options": [{"text": f"Option {i}", "correct": i in correct, "feedback": f"Because {i}."} for i in range(3)],
    }


# BODY has 528 words (2.64 min at 200 wpm); each check 11 words + half a minute (0.555 min): 3.75 min.
BODY_WORDS = 528
LESSON_MINUTES = 4


def lesson_meta(title: str = "A lesson") -> dict:
    return {
        "title": title,
        "minutes": LESSON_MINUTES,
        "domains": {"advocacy": 0.5, "ethical-responsibility": 0.5},
        "objectives": [{"text": "Do a thing.", "competencies": ["engages-peers", "icrc-advocacy"]}],
        "competencies": ["engages-peers"],
        "sources": [{"title": "TIP 64", "publisher": "SAMHSA", "year": 2023}],
        "checks": [check("first"), check("second", "multiple", (0, 2))],
    }


def write_lesson(path: Path, meta: dict, body: str = BODY) -> None:
    path.write_text("---\n" + yaml.safe_dump(meta, sort_keys=False) + "---\n" + body)


def make_tree(root: Path, slug: str = "demo-course", lessons: int = 5) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(data_dir("curricula") / "competencies.yaml", root / "competencies.yaml")
    course_dir = root / slug
    (course_dir / "lessons").mkdir(parents=True)
    slugs = [f"lesson-{i}" for i in range(1, lessons + 1)]
    for i, lesson_slug in enumerate(slugs, 1):
        write_lesson(course_dir / "lessons" / f"{i:02d}-{lesson_slug}.md", lesson_meta(f"Lesson {i}"))
    course = {
        "slug": slug,
        "title": "Demo course",
        "summary": "A course for tests.",
        "description": "Text.",
        "objectives": [{"text": "Learn.", "competencies": ["engages-peers"]}],
        "hours": {"advocacy": round(lessons * 3.75 / 120, 2), "ethical-responsibility": round(lessons * 3.75 / 120, 2)},
        "competencies": ["engages-peers"],
        "prerequisites": [],
        "modules": [{"slug": "only", "title": "Only module", "lessons": slugs}],
    }
    (course_dir / "course.yaml").write_text(yaml.safe_dump(course, sort_keys=False))
    return root
