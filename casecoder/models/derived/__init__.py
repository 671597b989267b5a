"""Tables kept by database triggers from the coded data (evidence_summary, tally_cells, case_sources), the
text_version trigger and the full-text index: derived, never written by the application."""
