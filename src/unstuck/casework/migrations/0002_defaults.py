"""The ten default cause categories, the default 5-step playbook (识别 → 根因 → 方案 → 执行与反馈 →
复盘) and the CNY approval threshold. Editable in the admin afterwards."""

from decimal import Decimal

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

CATEGORIES = (
    ("information_flow", "信息流转", "Information flow"),
    ("system_failure", "系统故障", "System failure"),
    ("staffing_absence", "人员/缺勤", "Staffing / absence"),
    ("policy_change", "政策变更", "Policy change"),
    ("customer_unresponsive", "客户无响应", "Customer unresponsive"),
    ("supply_chain", "供应链", "Supply chain"),
    ("inventory", "库存", "Inventory"),
    ("customer_data_error", "客户资料错误", "Customer data error"),
    ("external", "外部因素", "External factors"),
    ("other", "其他", "Other"),
)
#: (中文, English, role, business-time limit after the step before, customer message template)
FIVE_STEPS = (
    ("识别：确认卡点与影响", "Identify: confirm the stall and its impact", "agent", "1h", ""),
    ("根因：找到根本原因（5 个为什么）", "Root cause: find it (5 whys)", "agent", "4h", ""),
    (
        "方案：确定处理方案并告知客户",
        "Plan: decide the fix and tell the customer",
        "agent",
        "4h",
        "stall_update",
    ),
    (
        "执行与反馈：执行并向客户反馈",
        "Execute & feedback: carry it out, report back",
        "agent",
        "1d",
        "stall_update",
    ),
    (
        "复盘：主管复盘并记录经验",
        "Review: the supervisor reviews and records lessons",
        "supervisor",
        "2d",
        "",
    ),
)
DEFAULT_PLAYBOOK = "five-step"
CNY_THRESHOLD = Decimal("200.00")


def forwards(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    category = apps.get_model("casework", "CauseCategory")
    for position, (key, zh, en) in enumerate(CATEGORIES, start=1):
        category.objects.update_or_create(
            key=key, defaults={"name_zh": zh, "name_en": en, "position": position * 10}
        )
    playbook_model = apps.get_model("casework", "Playbook")
    step_model = apps.get_model("casework", "PlaybookStep")
    playbook, _created = playbook_model.objects.get_or_create(
        key=DEFAULT_PLAYBOOK, defaults={"name_zh": "五步法", "name_en": "The 5-step method"}
    )
    for position, (zh, en, role, limit, template) in enumerate(FIVE_STEPS, start=1):
        step_model.objects.update_or_create(
            playbook=playbook,
            position=position,
            defaults={
                "name_zh": zh,
                "name_en": en,
                "role": role,
                "time_limit": limit,
                "message_template": template,
            },
        )
    apps.get_model("casework", "ApprovalThreshold").objects.get_or_create(
        currency="CNY", defaults={"amount": CNY_THRESHOLD}
    )


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]

    # Reversing keeps the rows (0001's reversal drops the tables); applying again is idempotent.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
