"""Shared plumbing: the API root, serving, backup and restore."""
