"""Assessment tests; builders for small valid scenario and bank files that tests break one way at a time."""
from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path

import yaml

from lms.content import Catalog, load_catalog
from lms.paths import data_dir

COURSE = "crisis-intervention"


@lru_cache(maxsize=1)
def real_catalog() -> Catalog:
    return load_catalog(data_dir("curricula"))


def option(oid: str, nxt: str, scores: dict | None = None, critical: bool = False) -> dict:
    data = {"id": oid, "text": f"Say {oid}.", "feedback": f"Because of {oid}.", "source": "SAMHSA TIP 64",
            "scores": scores if scores is not None else {}, "next": nxt}
    if critical:
        data["critical"] = True
        data["reason"] = "Leaves a person at risk without help."
    return data


def decision(nid: str, *options: dict) -> dict:
    return {"id": nid, "type": "decision", "prompt": f"What do you do at {nid}?", "options": list(options)}


GOOD = {"helps-manage-crises": 2}


def scenario(slug: str = "late-night-text") -> dict:
    """Best path: intro d1 d2 d3 d4 end-good, 4 decisions, 8 points; d1 has a critical option."""
    return {
        "kind": "scenario", "slug": slug, "course": COURSE, "title": "A text at 11 pm",
        "summary": "A fictional participant texts late at night.",
        "domains": {"recovery-wellness": 0.5, "ethical-responsibility": 0.5},
        "competencies": ["helps-manage-crises", "values-communication"],
        "settings": {"pass_mark": 0.75, "max_attempts": 3, "cooldown_minutes": 0, "time_limit_minutes": 0,
                     "feedback": "immediate", "attempt_counts": "highest"},
        "review": [f"{COURSE}/asking-directly"],
        "start": "intro",
        "nodes": [
            {"id": "intro", "type": "narrative", "text": "*This scenario is fictional.* Dani texts you.",
             "next": "d1"},
            decision("d1", option("ask", "d2", GOOD), option("hint", "d2", {"values-communication": 1}),
                     option("wait", "end-unsafe", critical=True)),
            decision("d2", option("stay", "d3", GOOD), option("leave", "detour")),
            {"id": "detour", "type": "narrative", "text": "Dani goes quiet.", "next": "d3"},
            decision("d3", option("call", "d4", GOOD), option("guess", "end-poor")),
            decision("d4", option("follow-up", "end-good", GOOD), option("forget", "end-good")),
            {"id": "end-good", "type": "end", "outcome": "Dani is connected to help."},
            {"id": "end-poor", "type": "end", "outcome": "Dani is not connected."},
            {"id": "end-unsafe", "type": "end", "outcome": "Dani is left alone."},
        ],
    }


def item(kind: str, n: int) -> dict:
    base = {"id": f"ci-{n:02d}", "type": kind, "prompt": f"Question {n}?", "competencies": ["helps-manage-crises"],
            "source": "Stanley & Brown, 2012", "feedback_correct": "Right because.",
            "feedback_incorrect": "Review lesson 2."}
    if kind in ("single", "multiple"):
        correct = {0} if kind == "single" else {0, 2}
        base["options"] = [{"text": f"Choice {i}", "correct": i in correct, "feedback": f"Why {i}."}
                           for i in range(4)]
        for o in base["options"]:
            if not o["correct"]:
                del o["correct"]
    elif kind == "true_false":
        base["answer"] = False
    elif kind == "ordering":
        base["sequence"] = ["Warning signs", "Coping strategies", "People to ask for help", "Professionals"]
    elif kind == "matching":
        base["pairs"] = [{"left": f"Situation {i}", "right": f"Action {i}"} for i in range(1, 4)]
    elif kind == "short_text":
        base["accepted"] = ["988"]
    return base


KINDS = ("single", "multiple", "true_false", "ordering", "matching", "short_text")


def bank(items: int = 20) -> dict:
    return {
        "kind": "bank", "slug": f"{COURSE}-bank", "course": COURSE, "title": "Crisis intervention bank",
        "items": [item(KINDS[i % len(KINDS)], i + 1) for i in range(items)],
        "final_check": {"slug": f"{COURSE}-final", "title": "Crisis intervention final check", "draw": 10,
                        "settings": {"pass_mark": 0.8, "max_attempts": 0, "cooldown_minutes": 30,
                                     "time_limit_minutes": 30, "feedback": "after", "attempt_counts": "highest"}},
    }


def write(path: Path, data: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(copy.deepcopy(data), sort_keys=False, allow_unicode=True, width=200))
    return path


def make_assessments(root: Path) -> Path:
    """assessments/crisis-intervention/{scenario-late-night-text.yaml, bank.yaml}, both valid."""
    write(root / COURSE / "scenario-late-night-text.yaml", scenario())
    write(root / COURSE / "bank.yaml", bank())
    return root


def line_number(path: Path, needle: str, after: str | None = None) -> int:
    """The first line containing `needle` (after the first line containing `after`, when given)."""
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines[start:], start + 1) if needle in line)
