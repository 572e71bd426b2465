"""Supervisor pages: competencies, ratings, observations, practice hours and their review, sign-off."""
