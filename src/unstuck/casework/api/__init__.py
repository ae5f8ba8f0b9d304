"""API v1 for working a case: causes, reviews, checklists, remedies (`cases`), incidents and
problems with action items. One router for `unstuck.api.ROUTERS`, made of the three parts."""

from ninja import Router

from unstuck.casework.api import cases, incidents, problems

router = Router()
router.add_router("", cases.router)
router.add_router("", incidents.router)
router.add_router("", problems.router)
