"""API v1 for insights: our event log as XES/CSV (streamed) and the bottleneck figures."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Field, Query, Router, Schema

from unstuck.accounts.http import AuthedHttpRequest
from unstuck.core.api_errors import ErrorOut
from unstuck.insights.bottleneck_schemas import BottlenecksOut
from unstuck.insights.bottlenecks import bottlenecks_compute, bottlenecks_filter_parse
from unstuck.insights.event_log import (
    LogFilter,
    attr_filters_parse,
    log_filter_check,
    moment_parse,
    process_for_log,
)
from unstuck.insights.export import CONTENT_TYPES, log_pieces

router = Router(tags=["insights"])


class LogQuery(Schema):
    """Which events of the process's log to export."""

    since: str | None = Field(
        None, description="First moment included (ISO date-time, or a date meaning its midnight)."
    )
    until: str | None = Field(
        None, description="End of the period, excluded (a bare date includes that whole day)."
    )
    team: str = Field("", description="Only items that visited a step owned by this team (team key).")
    attr: list[str] = Field(
        default_factory=list, description="Only items with this attribute value, `key:value`; repeatable."
    )


def _log_filter(key: str, query: LogQuery) -> LogFilter:
    log_filter = LogFilter(
        process=key,
        since=moment_parse(query.since, field="since") if query.since else None,
        until=moment_parse(query.until, field="until", end=True) if query.until else None,
        team=query.team,
        attrs=attr_filters_parse(query.attr),
    )
    log_filter_check(log_filter)
    return log_filter


def _export(request: HttpRequest, key: str, query: LogQuery, fmt: str) -> StreamingHttpResponse:
    log_filter = _log_filter(key, query)
    process = process_for_log(user=request.user, key=key)
    pieces = (piece.encode() for piece in log_pieces(process=process, log_filter=log_filter, fmt=fmt))
    response = StreamingHttpResponse(pieces, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{process.key}.{fmt}"'
    return response


def _file_response(content_type: str, what: str) -> dict[str, Any]:
    return {
        "responses": {
            200: {
                "description": what,
                "content": {content_type: {"schema": {"type": "string"}}},
            }
        }
    }


@router.get(
    "/processes/{key}/log.xes",
    response={400: ErrorOut, 404: ErrorOut},
    summary="The process's event log as XES 1.0 (streamed)",
    description=(
        "One trace per item, one event per stored event, with the concept, time, lifecycle and org "
        "extensions; readable by pm4py, ProM and Celonis. Streamed: any size, flat memory."
    ),
    openapi_extra=_file_response("application/xml", "An XES 1.0 document."),
)
def log_xes(request: HttpRequest, key: str, query: Query[LogQuery]) -> StreamingHttpResponse:
    return _export(request, key, query, "xes")


@router.get(
    "/processes/{key}/log.csv",
    response={400: ErrorOut, 404: ErrorOut},
    summary="The process's event log as CSV (streamed)",
    description=(
        "Columns case:concept:name, concept:name, time:timestamp, lifecycle:transition, org:group, "
        "then one column per event attribute. UTF-8, RFC 4180 quoting. Streamed: any size, flat memory."
    ),
    openapi_extra=_file_response("text/csv", "A CSV event log."),
)
def log_csv(request: HttpRequest, key: str, query: Query[LogQuery]) -> StreamingHttpResponse:
    return _export(request, key, query, "csv")


class BottleneckQuery(LogQuery):
    """The period and narrowing of the bottleneck figures."""

    process: str = Field("", description="Process key; default: the first process you may see.")
    days: int = Field(7, ge=1, le=366, description="Period length in days when `since` is not given.")


@router.get(
    "/insights/bottlenecks",
    response={200: BottlenecksOut, 400: ErrorOut, 404: ErrorOut},
    by_alias=True,
    summary="Where the time goes: steps, directly-follows graph, variants, rework and ping-pong",
    description=(
        "Computed from the stored events of the period (one ordered pass), with the same definitions "
        "as `unstuck analyze`, and compared with the previous period of the same length."
    ),
)
def bottlenecks(request: AuthedHttpRequest, query: Query[BottleneckQuery]) -> Any:
    parsed = bottlenecks_filter_parse(
        user=request.user,
        process=query.process,
        since=query.since,
        until=query.until,
        days=query.days,
        team=query.team,
        attrs=query.attr,
    )
    return bottlenecks_compute(user=request.user, log_filter=parsed).as_json()
