"""Supervision reports: the cohort CSV and the per-trainee PDF transcript."""
