"""The seeded demo organisation and its live event generator."""
