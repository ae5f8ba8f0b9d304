"""Insights: process mining on the event log (bottlenecks, variants), briefs and predictions."""
