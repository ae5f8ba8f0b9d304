"""Teams, roles and API tokens."""
