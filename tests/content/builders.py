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


def reflection(activity_id: str = "my-reflection", **changes) -> dict:
    data = {"id": activity_id, "kind": "reflection", "title": "Think it through", "minutes": 10,
            "competencies": ["engages-peers"],
            "instructions": "Write about a week of your own work. Use no names or identifying details.",
            "min_words": 40}
    data.update(changes)
    return data


def worksheet(activity_id: str = "my-worksheet", **changes) -> dict:
    data = {"id": activity_id, "kind": "worksheet", "title": "Work it out", "minutes": 15,
            "instructions": "Fill in each box. Use no names or identifying details.",
            "fields": [{"id": "situation", "label": "The situation", "min_words": 5},
                       {"id": "options", "label": "Three options"}]}
    data.update(changes)
    return data


def practice(activity_id: str = "my-practice", **changes) -> dict:
    data = {"id": activity_id, "kind": "practice", "title": "Say it out loud", "minutes": 5,
            "instructions": "Say it out loud with a colleague. Write no names or identifying details.",
            "checklist": ["Said it once", "Said it again"]}
    data.update(changes)
    return data


def session_meta(slug: str = "role-play-lab", **changes) -> dict:
    """A valid 180-minute session with a 15-minute break: 165 education minutes, 2.75 hours."""
    data = {
        "slug": slug, "title": "A role-play lab", "minutes": 180, "breaks": 15,
        "domains": {"ethical-responsibility": 0.75, "mentoring-education": 0.25},
        "objectives": [{"text": "Hold a boundary kindly.", "competencies": ["icrc-ethical-responsibility"]}],
        "competencies": ["icrc-ethical-responsibility", "engages-peers"],
        "sources": [{"title": "TIP 64", "publisher": "SAMHSA", "year": 2023}],
        "materials": ["Observer checklists"],
        "prerequisites": ["demo-course"],
        "agenda": [
            {"minutes": 10, "kind": "opening", "title": "Welcome"},
            {"minutes": 50, "kind": "presentation", "title": "Mini-lecture"},
            {"minutes": 45, "kind": "role-play", "title": "Round 1", "role_play": "loan-request"},
            {"minutes": 15, "kind": "break", "title": "Break"},
            {"minutes": 50, "kind": "discussion", "title": "Debrief", "prompts": ["what-made-it-hard"]},
            {"minutes": 10, "kind": "closing", "title": "Close"},
        ],
        "role_plays": [{"id": "loan-request", "title": "The $20 loan",
                        "roles": {"peer_worker": "You are the peer worker.", "person": "You are a fictional person.",
                                  "observer": "Watch for the checklist items."},
                        "observer_checklist": [{"text": "Declined without shaming",
                                                "competency": "icrc-ethical-responsibility"}]}],
        "discussion_prompts": [{"id": "what-made-it-hard", "text": "What made it hard to say no?"}],
    }
    data.update(changes)
    return data


GUIDE = "## Preparation\n\nPrint the observer checklists. *All role-play people are fictional.*\n"


def write_session(root: Path, meta: dict, name: str | None = None, body: str = GUIDE) -> Path:
    folder = root / "sessions"
    folder.mkdir(exist_ok=True)
    path = folder / (name or f"01-{meta['slug']}.md")
    path.write_text("---\n" + yaml.safe_dump(meta, sort_keys=False) + "---\n" + body)
    return path
