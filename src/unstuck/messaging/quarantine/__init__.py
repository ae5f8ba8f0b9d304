"""Quarantined inbound mail: mails not threaded onto a case, waiting for a supervisor to attach or
discard them (see `messaging.inbound` for why a mail lands here)."""
