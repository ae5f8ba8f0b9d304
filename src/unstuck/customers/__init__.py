"""The customers whose promises are watched."""
