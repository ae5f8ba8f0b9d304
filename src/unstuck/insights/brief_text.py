"""The morning brief as plain text (Chinese, the operations team's language): the command's output
and the e-mail's text part."""

from __future__ import annotations

from unstuck.insights.brief import Brief

FLAG_TEXT = {
    "slow": "处理明显慢于组内中位数",
    "reopens": "重开率偏高",
    "backlog": "积压工单偏多",
    "breaches": "SLA 违约偏多",
    "low_csat": "满意度偏低",
}


VOLUME_LINE = (
    "新跟踪项 {items}{ci} · 卡点 {stalls}{cs} · 新开工单 {opened}{co}"
    " · 解决 {resolved}{cr} · 期末积压 {backlog}"
)


def _change(now: int, before: int) -> str:
    if before == 0:
        return "" if now == 0 else " (↑)"
    delta = (now - before) / before
    return f" ({'↑' if delta > 0 else '↓' if delta < 0 else '='}{abs(delta):.0%})"


def brief_text(brief: Brief) -> str:
    """A few readable lines per section, Chinese first."""
    period = brief.period
    span = period.first.isoformat() if period.days == 1 else f"{period.first} – {period.last}"
    v, p = brief.volume, brief.previous_volume
    lines = [
        f"日报 Morning brief {span}" + (f" · {brief.team}" if brief.team else ""),
        "",
        VOLUME_LINE.format(
            **{
                "items": v.items,
                "ci": _change(v.items, p.items),
                "stalls": v.stalls,
                "cs": _change(v.stalls, p.stalls),
                "opened": v.cases_opened,
                "co": _change(v.cases_opened, p.cases_opened),
                "resolved": v.cases_resolved,
                "cr": _change(v.cases_resolved, p.cases_resolved),
                "backlog": v.backlog,
            }
        ),
        "",
        "时间耗在哪里（环节，结束的停留次数，总计/中位小时，与上期相比）:",
    ]
    for row in brief.time_lost:
        lines.append(
            f"  {row.process_name} / {row.step_name}: {row.visits},"
            f" {row.total_hours:.1f} h / {row.median_hours:.1f} h ({row.change_hours:+.1f} h)"
        )
    lines += ["", "原因帕累托（类别，工单数，累计占比）:"]
    for cause in brief.causes:
        lines.append(f"  {cause.name}: {cause.cases} ({cause.cumulative_share:.0%})")
    lines += ["", "SLA 达成（目标，结束的时钟，按时，违约）:"]
    for target in brief.sla:
        rate = "-" if target.attainment is None else f"{target.attainment:.0%}"
        lines.append(f"  {target.target}: {target.ended}, {target.met_in_time}, {target.breached} ({rate})")
    if brief.csat.answered:
        lines += [
            "",
            f"满意度: {brief.csat.answered} 份回复，平均 {brief.csat.mean_score}，"
            f"满意 {brief.csat.satisfied_share or 0:.0%}",
        ]
    lines += ["", "处理人（已处理，处理时长中位数，重开，当前未结，SLA 违约，满意度）:"]
    for agent in brief.agents:
        median = "-" if agent.median_handling_hours is None else f"{agent.median_handling_hours:.1f} h"
        csat = f"{agent.csat_mean}（{agent.csat_answers} 份）" if agent.csat_answers else "-"
        flags = "；".join(FLAG_TEXT.get(flag, flag) for flag in agent.flags)
        lines.append(
            f"  {agent.name} ({agent.team}): {agent.handled}, {median}, {agent.reopened}, {agent.open_now},"
            f" {agent.breaches}, {csat}" + (f"  ⚑ {flags}" if flags else "")
        )
    lines += _work_lines(brief)
    return "\n".join(lines) + "\n"


def _work_lines(brief: Brief) -> list[str]:
    """Remedy cost, recurring problems, QA picks and items at risk."""
    cost = brief.remedy_cost
    lines = ["", "补救成本（币种，笔数，金额，上期，待审批）:"]
    for total in cost.totals:
        lines.append(
            f"  {total.currency}: {total.remedies}, {total.amount} (上期 {total.previous_amount}),"
            f" 待审批 {total.pending} 笔 {total.pending_amount}"
        )
    if not cost.totals:
        lines.append("  本期无有金额的补救")
    for row in cost.by_kind:
        lines.append(f"  按类型 {row.name}: {row.remedies}, {row.amount} {row.currency}")
    for row in cost.by_cause:
        lines.append(f"  按原因 {row.name}: {row.remedies}, {row.amount} {row.currency}")
    lines += ["", "反复出现的问题（新关联，工单总数，未完成/逾期行动项）:"]
    for problem in brief.problems:
        lines.append(
            f"  {problem.number} {problem.title}: +{problem.new_links}, {problem.cases},"
            f" {problem.open_action_items}/{problem.overdue_action_items}"
        )
    if brief.proposals:
        lines += ["", "疑似反复原因（待确认为问题）:"]
        for proposal in brief.proposals:
            lines.append(
                f"  {proposal.cause_name} · {proposal.step_name} · {proposal.attribute}={proposal.value}:"
                f" {proposal.cases} 单"
            )
    lines += ["", "今日质检抽样（处理人：工单 · 原因）:"]
    for agent in brief.qa:
        picks = "；".join(f"{pick.case} · {pick.reason_name}" for pick in agent.picks)
        lines.append(f"  {agent.name} ({agent.team}): {picks}")
    lines += ["", "可能违约的跟踪项（违约概率，预计剩余小时）:"]
    if not brief.at_risk_current:
        lines.append("  预测只保留当前结果：请看最近一天的日报。")
    for risk in brief.at_risk:
        lines.append(
            f"  {risk.process}/{risk.item} @ {risk.step}{' ' + risk.case if risk.case else ''}:"
            f" {risk.p_miss:.0%}, {risk.expected_remaining_hours:.1f} h"
        )
    return lines
