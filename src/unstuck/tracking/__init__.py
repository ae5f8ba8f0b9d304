"""Items and their append-only event log."""
