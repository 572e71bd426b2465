"""Certificate pages for trainees, supervisors and admins (list, download, lifecycle actions)."""
