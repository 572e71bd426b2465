"""Content errors that name the file, the line and the problem, never a traceback."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class ContentError:
    path: str
    line: int
    problem: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.problem}"


class ContentErrors(Exception):
    """Raised once with every problem found, so an author fixes them all in one pass."""

    def __init__(self, errors: list[ContentError]):
        self.errors = sorted(set(errors))
        super().__init__("\n".join(str(e) for e in self.errors))


class ErrorSink:
    """Collects errors for one content tree; paths are shown relative to its root."""

    def __init__(self, root: Path):
        self.root = root
        self.errors: list[ContentError] = []

    def add(self, path: Path, line: int, problem: str) -> None:
        try:
            shown = str(path.relative_to(self.root.parent))
        except ValueError:
            shown = str(path)
        self.errors.append(ContentError(shown, max(line, 1), problem))

    def raise_if_any(self) -> None:
        if self.errors:
            raise ContentErrors(self.errors)
