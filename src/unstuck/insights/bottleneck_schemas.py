"""API shapes of the bottleneck figures (documented field by field for the OpenAPI schema)."""

from __future__ import annotations

from ninja import Field, Schema


class BottleneckAttrOut(Schema):
    """One attribute equality the figures were narrowed by."""

    key: str = Field(description="Attribute key, e.g. `warehouse`.")
    value: str = Field(description="The value items had to carry, compared as text.")


class BottleneckSummaryOut(Schema):
    """Totals of the period and of the previous period of the same length."""

    cases: int = Field(description="Items with at least one event in the period.")
    events: int = Field(description="Events in the period.")
    variants: int = Field(description="Distinct step sequences among the period's items.")
    rework_items: int = Field(description="Items that came back to a step they had left.")
    pingpong_items: int = Field(description="Items bouncing A→B→A→B between two steps or two teams.")
    previous_cases: int = Field(description="`cases` of the previous period.")
    previous_events: int = Field(description="`events` of the previous period.")
    previous_rework_items: int = Field(description="`rework_items` of the previous period.")
    previous_pingpong_items: int = Field(description="`pingpong_items` of the previous period.")


class BottleneckStepOut(Schema):
    """One step: how often it occurs and how long items stay in it (until their next event)."""

    activity: str = Field(description="Step key.")
    name: str = Field(description="Step name from the process file (the key if unknown).")
    team: str = Field(description="Team owning the step, `''` if none.")
    count: int = Field(description="Events naming the step.")
    sojourn_count: int = Field(description="Events of the step followed by another event of the item.")
    sojourn_mean_seconds: float | None = Field(description="Mean time to the item's next event.")
    sojourn_median_seconds: float | None = Field(description="Median of the same.")
    sojourn_p90_seconds: float | None = Field(description="90th percentile (linear interpolation).")
    previous_count: int = Field(description="`count` in the previous period.")
    previous_sojourn_mean_seconds: float | None = Field(description="Mean sojourn in the previous period.")
    sojourn_mean_change: float | None = Field(
        description="Relative change of the mean sojourn against the previous period (0.25 = 25% longer)."
    )


class BottleneckEdgeOut(Schema):
    """A directly-follows edge: consecutive events of one item."""

    source: str = Field(alias="from", description="Step of the earlier event.")
    target: str = Field(alias="to", description="Step of the later event.")
    count: int = Field(description="How often the pair occurs.")
    mean_seconds: float = Field(description="Mean time between the two events.")
    median_seconds: float = Field(description="Median time between the two events.")
    total_seconds: float = Field(description="Total time over all occurrences.")


class BottleneckVariantOut(Schema):
    """A path through the process and how many items took it."""

    activities: list[str] = Field(description="The steps in order.")
    count: int = Field(description="Items that followed exactly this path in the period.")
    mean_duration_seconds: float = Field(description="Mean time from their first to their last event.")


class BottleneckReworkOut(Schema):
    """A step items had to come back to."""

    step: str = Field(description="Step key.")
    name: str = Field(description="Step name.")
    items: int = Field(description="Items that visited the step more than once.")
    repeat_visits: int = Field(description="Visits beyond the first, over those items.")
    share: float = Field(description="`items` as a share of all items of the period.")


class BottleneckPingPongOut(Schema):
    """Two steps (or teams) items bounced between: A→B→A→B."""

    a: str = Field(description="First step or team key (alphabetically).")
    b: str = Field(description="Second step or team key.")
    a_name: str = Field(description="Display name of `a`.")
    b_name: str = Field(description="Display name of `b`.")
    items: int = Field(description="Items that bounced between the two.")


class BottlenecksOut(Schema):
    """Where the time goes in one process over one period, compared with the period before."""

    process: str = Field(description="Process key.")
    since: str = Field(description="Start of the period (included), ISO 8601.")
    until: str = Field(description="End of the period (excluded), ISO 8601.")
    previous_since: str | None = Field(description="Start of the previous period (it ends at `since`).")
    team: str = Field(description="Team filter, `''` for none.")
    attrs: list[BottleneckAttrOut] = Field(description="Attribute filters.")
    summary: BottleneckSummaryOut = Field(description="Totals, now and before.")
    steps: list[BottleneckStepOut] = Field(description="Steps by mean sojourn, longest first.")
    edges: list[BottleneckEdgeOut] = Field(description="Directly-follows edges by total time, largest first.")
    variants: list[BottleneckVariantOut] = Field(description="The most frequent paths (at most 20).")
    rework: list[BottleneckReworkOut] = Field(description="Steps with rework, most items first.")
    pingpong_steps: list[BottleneckPingPongOut] = Field(description="Step pairs items bounced between.")
    pingpong_teams: list[BottleneckPingPongOut] = Field(description="Team pairs items bounced between.")
    compute_seconds: float = Field(description="Time the server took to compute both periods.")
