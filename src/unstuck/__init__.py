"""Unstuck: watch every customer promise, catch each one the moment it stalls."""

__version__ = "0.1.0"
