"""Statement comparison for a resent id (xAPI Data 2.3.1 and Communication 2.1.2: identical changes nothing,
different is a 409): a serialization without what the LRS assigns or reserializes."""
from __future__ import annotations

import json

__all__ = ["comparable"]


def comparable(statement: dict) -> str:
    """A serialization that ignores what xAPI Data 2.3.1 says is not part of the statement.

    Built by an explicit-stack copy, not `copy.deepcopy` and a recursive walk: a statement stored before depth
    was bounded may nest hundreds of levels, and comparing a resend with it must not overflow the stack (M4).
    """
    data = {k: v for k, v in statement.items()
            if k not in ("id", "authority", "stored", "timestamp", "version", "attachments")}
    data = _stripped_copy(data)
    if isinstance(data.get("verb"), dict):
        data["verb"].pop("display", None)
    data.get("object", {}).setdefault("objectType", "Activity")
    data.get("actor", {}).setdefault("objectType", "Agent")
    return json.dumps(data, sort_keys=True)


def _strip(node: dict) -> dict:
    """One object of a statement as compared: no Activity definition, Group members in a fixed order, mbox in
    lower case."""
    node = dict(node)
    if node.get("objectType", "Activity") == "Activity" and "id" in node and "definition" in node:
        node.pop("definition")
    if node.get("objectType") == "Group" and isinstance(node.get("member"), list):
        node["member"] = sorted(node["member"], key=lambda m: json.dumps(m, sort_keys=True))
    if isinstance(node.get("mbox"), str):
        node["mbox"] = node["mbox"].lower()
    return node


def _stripped_copy(value: object) -> object:
    """A copy of a JSON value with `_strip` applied to every object, made without recursion."""
    holder: list = [None]
    stack: list[tuple[object, object, object]] = [(value, holder, 0)]
    while stack:
        node, parent, slot = stack.pop()
        if isinstance(node, dict):
            node = _strip(node)
            copy: dict | list = dict.fromkeys(node)
            children = node.items()
        elif isinstance(node, list):
            copy = [None] * len(node)
            children = enumerate(node)
        else:
            parent[slot] = node
            continue
        parent[slot] = copy
        stack.extend((child, copy, key) for key, child in children)
    return holder[0]
