"""The supervisor dashboard (heatmap, flags), the per-trainee drill-down and the organization view."""
