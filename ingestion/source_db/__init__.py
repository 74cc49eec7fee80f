"""Synthetic replica of the three source tables (pins, geos, users)."""
