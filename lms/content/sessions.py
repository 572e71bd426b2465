"""Live-session templates (formats spec 4): the file shape, validated strictly, and the frozen template.

A template is a facilitator guide in curricula/sessions/NN-<slug>.md: YAML front matter (timing, domains,
objectives, agenda, role plays, discussion prompts) and a Markdown body. Cohorts schedule sessions from
templates; this module only describes and checks them (lms/content/session_loader.py loads them).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from lms.content.schema import DomainShares, ObjectiveSpec, Slug, SourceSpec, Strict, Text

AGENDA_KINDS = ("opening", "presentation", "discussion", "role-play", "activity", "break", "closing")
RoleKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]


class AgendaItemSpec(Strict):
    minutes: int = Field(ge=1, le=600)
    kind: Literal["opening", "presentation", "discussion", "role-play", "activity", "break", "closing"]
    title: Text
    role_play: Slug | None = None  # role-play items: the role play run in this segment
    prompts: list[Slug] = []  # discussion prompts used in this segment


class ObserverItemSpec(Strict):
    text: Text
    competency: Slug


class RolePlaySpec(Strict):
    id: Slug
    title: Text
    roles: dict[RoleKey, Text] = Field(min_length=2)  # who plays what, e.g. peer_worker, person, observer
    observer_checklist: list[ObserverItemSpec] = Field(min_length=1)


class PromptSpec(Strict):
    id: Slug
    text: Text


class SessionMeta(Strict):
    slug: Slug
    title: Text
    minutes: int = Field(ge=15, le=600)  # scheduled length, breaks included
    breaks: int = Field(default=0, ge=0)  # minutes of breaks inside it: not education hours
    domains: DomainShares  # shares of the education minutes
    objectives: list[ObjectiveSpec] = Field(min_length=1)
    competencies: list[Slug] = Field(min_length=1)
    sources: list[SourceSpec] = Field(min_length=1)
    materials: list[Text] = []
    prerequisites: list[Slug] = []  # course slugs best completed first
    agenda: list[AgendaItemSpec] = Field(min_length=1)
    role_plays: list[RolePlaySpec] = []
    discussion_prompts: list[PromptSpec] = []


@dataclass(frozen=True)
class SessionTemplate:
    """A loaded, checked session template. Times are in minutes; hours come from education minutes."""

    slug: str
    number: int  # the NN of the file name: the order templates are listed in
    title: str
    minutes: int
    breaks: int
    domains: Mapping[str, float]
    objectives: tuple[ObjectiveSpec, ...]
    competencies: tuple[str, ...]
    sources: tuple[SourceSpec, ...]
    materials: tuple[str, ...]
    prerequisites: tuple[str, ...]
    agenda: tuple[AgendaItemSpec, ...]
    role_plays: tuple[RolePlaySpec, ...]
    discussion_prompts: tuple[PromptSpec, ...]
    guide_html: str  # the facilitator guide, rendered and sanitized
    version: str
    path: str
    guide_words: int = 0

    @property
    def education_minutes(self) -> int:
        """Scheduled minutes less breaks (formats spec 4)."""
        return self.minutes - self.breaks

    def hours_by_domain(self) -> dict[str, float]:
        return {domain: self.education_minutes * share / 60 for domain, share in self.domains.items()}

    def role_play(self, role_play_id: str) -> RolePlaySpec | None:
        return next((r for r in self.role_plays if r.id == role_play_id), None)
