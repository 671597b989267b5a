"""Whole projects in and out: project bundles (CSV + transcripts) and REFI-QDA (.qdc, .qdpx)."""
