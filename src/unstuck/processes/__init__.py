"""Processes as code: the promises Unstuck watches, versioned."""
