"""The desk (工作台): the web screens agents, supervisors and admins work in."""
