"""What the cases app tells the apps above it, which it may not import (the layers in pyproject.toml).

Each signal is sent inside the transaction that made the change (the case rows locked or just
inserted), so a receiver's writes commit or roll back with it. Receivers connect in their app's
`AppConfig.ready`.
"""

from __future__ import annotations

from django.dispatch import Signal

#: One case was just opened (by hand or from a stall): `case`. Receiver: casework lays out the
#: playbook checklist (`casework.services.checklist_for_new_case`).
case_opened = Signal()

#: A batch of cases was just opened by the routing pass: `cases`. Receiver: casework lays out their
#: checklists in a few statements (`casework.services.checklists_for_new_cases`).
cases_opened = Signal()

#: A person resolved a case: `case` (locked), `actor`, `reason`. Receiver: casework resolves the open
#: children of an incident's parent (`casework.services.incident_children_resolve`).
case_resolved = Signal()
