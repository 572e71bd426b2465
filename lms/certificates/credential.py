"""Open Badges 3.0 AchievementCredentials: build, sign as VC-JWT, verify."""


def connect() -> None:
    """Sign each certificate as it is issued (receiver of signals.certificate_issued)."""
