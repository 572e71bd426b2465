"""Minutes of a scenario and of a final check by the hours method (formats spec 3, docs/hours.md).

A scenario takes the words read on its longest path (narratives, decision text and prompt, every option
shown, the feedback of the option taken, the end) at 200 wpm plus a minute per decision on that path.
A final check takes, for each item drawn, its words at 200 wpm plus half a minute; items are drawn at
random, so an item's words are the bank's average.
"""
from __future__ import annotations

from dataclasses import dataclass

from lms.assessments.definitions import Bank, Decision, End, Item, Narrative, Scenario
from lms.assessments.graph import topological_order
from lms.content.hours import ANSWER_MINUTES, DECISION_MINUTES, reading_minutes, words


@dataclass(frozen=True)
class PathTime:
    words: int
    decisions: int

    @property
    def minutes(self) -> float:
        return reading_minutes(self.words) + self.decisions * DECISION_MINUTES


def longest_path(scenario: Scenario) -> PathTime:
    """The path from start to an end that takes longest to read and decide (the graph has no loops)."""
    best: dict[str, PathTime] = {}
    for node_id in topological_order(scenario):  # every node after its successors
        node = scenario.nodes[node_id]
        if isinstance(node, End):
            best[node_id] = PathTime(words(node.outcome), 0)
        elif isinstance(node, Narrative):
            after = best[node.next]
            best[node_id] = PathTime(words(node.text) + after.words, after.decisions)
        elif isinstance(node, Decision):
            shown = words(node.text, node.prompt, *(option.text for option in node.options))
            options = [PathTime(shown + words(option.feedback) + best[option.next].words,
                                best[option.next].decisions + 1) for option in node.options]
            best[node_id] = max(options, key=lambda t: (t.minutes, t.words))
    return best[scenario.start]


def item_words(item: Item) -> int:
    """An item's prompt, what is shown to answer it, and its longest feedback (a learner reads one)."""
    shown = [choice.text for choice in item.choices] + [step.text for step in item.steps]
    shown += [text for pair in item.pairs for text in (pair.left, pair.right)]
    if item.answer is not None:
        shown += ["True", "False"]
    feedback = [item.feedback_correct, item.feedback_incorrect, *(choice.feedback for choice in item.choices)]
    return words(item.prompt, *shown) + max(words(text) for text in feedback)


def final_check_minutes(draw: int, bank: Bank) -> float:
    if not bank.items:
        return 0.0
    average = sum(item_words(item) for item in bank.items) / len(bank.items)
    return draw * (reading_minutes(average) + ANSWER_MINUTES)
