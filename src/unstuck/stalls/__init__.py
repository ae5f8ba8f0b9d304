"""Stall rules, the deadline worker and the stalls it records."""
