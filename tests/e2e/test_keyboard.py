"""A whole scenario with the keyboard alone (Tab, Shift+Tab, Space, Enter, arrow keys; no clicks): focus is
always visible, and after each decision the feedback and the next step are the next stops."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import best_safe, scenario

pytestmark = pytest.mark.e2e

EMAIL, NAME, PASSWORD = "kai.keys@example.org", "Kai Keys", "kai-uses-keys-2026"
SCENARIO = "late-night-text"

FOCUS = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const feedback = document.getElementById('feedback');
  return {
    tag: el.tagName.toLowerCase(), id: el.id, type: el.type || '', value: el.value || '',
    checked: !!el.checked, text: (el.innerText || el.value || '').trim().slice(0, 80),
    focusVisible: el.matches(':focus-visible'),
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
    inView: box.bottom > 0 && box.top < window.innerHeight && box.width > 0,
    afterFeedback: !!feedback && !!(feedback.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING),
  };
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUS)


def press(page, key: str) -> dict:
    """Press a key and return where focus went, which must be visibly marked and on screen."""
    page.keyboard.press(key)
    where = focused(page)
    if where["tag"] not in ("body", "main"):
        assert where["focusVisible"] and where["outline"], f"focus is not visible after {key}: {where}"
        assert where["inView"], f"focus went off screen after {key}: {where}"
    return where


def tab_to(page, wanted, limit: int = 25) -> dict:
    """Tab forward until wanted(focus) holds; fails if it is not reached in `limit` presses."""
    seen = []
    for _ in range(limit):
        where = press(page, "Tab")
        if wanted(where):
            return where
        seen.append(where["text"] or where["tag"])
    raise AssertionError(f"not reached with Tab in {limit} presses; focus went through {seen}")


def submit(page, key: str = "Enter") -> None:
    """Press a key that submits a form, and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def button(label: str):
    return lambda where: where["tag"] == "button" and where["text"] == label


@pytest.fixture
def keyboard_user(live_server):
    from lms.accounts.services import create_user, find_user_by_email
    from lms.db import session as db

    with live_server.ctx():
        if find_user_by_email(EMAIL) is None:
            create_user(EMAIL, NAME, PASSWORD, via="signup")
            db.commit()


def test_scenario_can_be_completed_with_the_keyboard_alone(live_server, keyboard_user, page, shot):
    definition = scenario(live_server, SCENARIO)

    # Sign in: the skip link is the first stop, then the form, submitted with Enter.
    page.goto("/login")
    first = press(page, "Tab")
    assert first["text"] == "Skip to main content", first
    press(page, "Enter")
    assert focused(page)["id"] == "main"
    tab_to(page, lambda w: w["id"] == "email")
    page.keyboard.type(EMAIL)
    tab_to(page, lambda w: w["id"] == "password")
    page.keyboard.type(PASSWORD)
    submit(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("My learning")

    # Start the scenario from its introduction.
    page.goto(f"/assessments/{SCENARIO}")
    expect(page.get_by_role("heading", level=1)).to_have_text(definition.title)
    tab_to(page, button("Start"))
    shot(page, "start-focused")
    submit(page)

    decisions, just_decided = 0, False
    for _ in range(40):
        page.wait_for_load_state()
        if "/result" in page.url:
            break
        node = definition.node(page.locator("input[name=node]").get_attribute("value"))
        if just_decided:
            # After a decision the page opens at its feedback: the very next Tab lands past the feedback,
            # on this step's first control, not back at the top of the page.
            expect(page.locator("#feedback")).to_be_in_viewport()
            where = press(page, "Tab")
            assert where["afterFeedback"], f"the first Tab after a decision went to {where}"
            page.keyboard.press("Shift+Tab")  # step back, so the search below starts from the same place
        else:
            # Otherwise the page starts at the top: the skip link is the first stop and leads into the step.
            where = press(page, "Tab")
            assert where["text"] == "Skip to main content", where
            press(page, "Enter")
            assert focused(page)["id"] == "main"
        just_decided = False
        if hasattr(node, "options"):
            option = best_safe(node)
            index = [o.id for o in node.options].index(option.id)
            where = tab_to(page, lambda w: w["type"] == "radio")
            assert where["value"] == node.options[0].id, where  # the group is entered at its first option
            if index == 0:
                press(page, "Space")
            for _ in range(index):
                press(page, "ArrowDown")  # moves through the group and selects
            where = focused(page)
            assert where["value"] == option.id and where["checked"], where
            tab_to(page, button("Choose"), limit=3)
            # Shift+Tab goes back to the chosen option (one stop for the whole group), Tab returns.
            back = press(page, "Shift+Tab")
            assert back["value"] == option.id and back["checked"], back
            tab_to(page, button("Choose"), limit=3)
            if decisions == 0:
                shot(page, "first-decision")
            submit(page)
            decisions += 1
            just_decided = True
            if decisions == 1 and "/result" not in page.url:
                shot(page, "feedback")
        else:
            tab_to(page, button("Continue"))
            submit(page)
    else:
        raise AssertionError("the scenario did not end")

    expect(page.get_by_role("heading", level=1)).to_have_text(f"{definition.title}: passed")
    assert decisions >= 2
    shot(page, "result")
    # The way back is reachable by keyboard too.
    tab_to(page, lambda w: w["tag"] == "a" and w["text"] == "Back to the assessment", limit=80)
