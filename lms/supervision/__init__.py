"""Supervision: competency evidence, observed practice, practice hours and supervisor sign-off."""
