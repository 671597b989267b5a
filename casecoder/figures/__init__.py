"""Figures for reports, drawn from plain analysis results: deterministic SVG, PNG and PDF."""
