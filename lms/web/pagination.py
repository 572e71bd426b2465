"""Pagination of a SELECT: one COUNT and one page query."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import Select, func, select

from lms.db import session as db


@dataclass(frozen=True)
class Page:
    items: list[Any]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def paginate(query: Select, number: int, size: int | None = None) -> Page:
    size = size or current_app.config["LMS_PAGE_SIZE"]
    total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    number = min(max(1, number), max(1, -(-total // size)))
    items = list(db.scalars(query.limit(size).offset((number - 1) * size)))
    return Page(items, number, size, total)
