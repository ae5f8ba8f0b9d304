"""Default zh-Hans and English templates for every message key: honest words, the reason and the new ETA.

The texts live here (not imported from the app) so this migration means the same thing forever;
admins edit the rows afterwards. Reversing removes only rows still equal to these defaults.
"""

from django.db import migrations

SIGN_ZH = "\n\n{% if agent_name %}{{ agent_name }}，{% endif %}Unstuck 客户服务"
SIGN_EN = "\n\n{% if agent_name %}{{ agent_name }}, {% endif %}Unstuck customer service"
CASE_ZH = "{% if case_number %} [{{ case_number }}]{% endif %}"
CASE_EN = CASE_ZH

DEFAULTS = {
    "confirmation_request": (
        (
            "请确认：{{ item }}" + CASE_ZH,
            "{{ customer_name }}您好：\n\n{{ item }} 需要您确认后才能继续办理。"
            "{% if reason %}\n原因：{{ reason }}{% endif %}"
            "{% if eta %}\n确认后预计完成时间：{{ eta }}{% endif %}"
            "\n\n请打开以下链接查看并确认（仅打开链接不会自动确认）：\n{{ confirm_link }}"
            "{% if status_link %}\n进度查询：{{ status_link }}{% endif %}" + SIGN_ZH,
        ),
        (
            "Please confirm: {{ item }}" + CASE_EN,
            "Dear {{ customer_name }},\n\n{{ item }} needs your confirmation before we can go on."
            "{% if reason %}\nWhy: {{ reason }}{% endif %}"
            "{% if eta %}\nExpected completion once confirmed: {{ eta }}{% endif %}"
            "\n\nOpen this link to review and confirm (opening it alone confirms nothing):\n{{ confirm_link }}"
            "{% if status_link %}\nStatus: {{ status_link }}{% endif %}" + SIGN_EN,
        ),
    ),
    "confirmation_reminder": (
        (
            "提醒：{{ item }} 仍在等待您的确认" + CASE_ZH,
            "{{ customer_name }}您好：\n\n{{ item }} 仍在等待您的确认，确认前我们无法继续办理。"
            "{% if reason %}\n原因：{{ reason }}{% endif %}"
            "{% if eta %}\n确认后预计完成时间：{{ eta }}{% endif %}"
            "\n\n确认链接：{{ confirm_link }}" + SIGN_ZH,
        ),
        (
            "Reminder: {{ item }} is still waiting for your confirmation" + CASE_EN,
            "Dear {{ customer_name }},\n\n{{ item }} is still waiting for your confirmation; we cannot go on without it."
            "{% if reason %}\nWhy: {{ reason }}{% endif %}"
            "{% if eta %}\nExpected completion once confirmed: {{ eta }}{% endif %}"
            "\n\nConfirm here: {{ confirm_link }}" + SIGN_EN,
        ),
    ),
    "stall_update": (
        (
            "{{ item }} 进展说明：有延误，新的预计时间 {{ eta }}" + CASE_ZH,
            "{{ customer_name }}您好：\n\n很抱歉，{{ item }} 没能按原计划完成。"
            "\n原因：{{ reason }}"
            "\n新的预计完成时间：{{ eta }}"
            "\n\n我们会持续跟进，有变化会再通知您。"
            "{% if status_link %}\n随时查看进度：{{ status_link }}{% endif %}" + SIGN_ZH,
        ),
        (
            "{{ item }}: delayed, new estimate {{ eta }}" + CASE_EN,
            "Dear {{ customer_name }},\n\nWe are sorry: {{ item }} did not finish as planned."
            "\nWhy: {{ reason }}"
            "\nNew estimated completion: {{ eta }}"
            "\n\nWe keep working on it and will tell you if anything changes."
            "{% if status_link %}\nFollow it here: {{ status_link }}{% endif %}" + SIGN_EN,
        ),
    ),
    "survey_invitation": (
        (
            "{{ item }} 已处理完毕，请评价我们的服务" + CASE_ZH,
            "{{ customer_name }}您好：\n\n{{ item }} 的问题已处理完毕。请花一分钟回答两个问题，帮助我们改进：\n{{ survey_link }}"
            + SIGN_ZH,
        ),
        (
            "{{ item }} is done: how did we do?" + CASE_EN,
            "Dear {{ customer_name }},\n\n{{ item }} is done. Two questions, one minute, to help us do better:\n{{ survey_link }}"
            + SIGN_EN,
        ),
    ),
    "case_escalation": (
        (
            "升级：工单 {{ case_number }} {{ case_title }}",
            "工单 {{ case_number }}（{{ case_title }}）已升级，需要您处理。"
            "{% if reason %}\n原因：{{ reason }}{% endif %}"
            "{% if eta %}\n需在此之前处理：{{ eta }}{% endif %}"
            "{% if item %}\n跟踪项：{{ item }}{% endif %}"
            "{% if agent_name %}\n当前处理人：{{ agent_name }}{% endif %}"
            "\n\n打开工单：{{ case_link }}",
        ),
        (
            "Escalated: case {{ case_number }} {{ case_title }}",
            "Case {{ case_number }} ({{ case_title }}) has been escalated to you."
            "{% if reason %}\nWhy: {{ reason }}{% endif %}"
            "{% if eta %}\nPlease act by: {{ eta }}{% endif %}"
            "{% if item %}\nItem: {{ item }}{% endif %}"
            "{% if agent_name %}\nCurrent owner: {{ agent_name }}{% endif %}"
            "\n\nOpen the case: {{ case_link }}",
        ),
    ),
    "sla_warning": (
        (
            "SLA 即将超时：工单 {{ case_number }}",
            "工单 {{ case_number }}（{{ case_title }}）即将超出服务时限。"
            "{% if eta %}\n时限：{{ eta }}{% endif %}"
            "{% if reason %}\n说明：{{ reason }}{% endif %}"
            "\n\n打开工单：{{ case_link }}",
        ),
        (
            "SLA about to be breached: case {{ case_number }}",
            "Case {{ case_number }} ({{ case_title }}) is close to its SLA limit."
            "{% if eta %}\nDue: {{ eta }}{% endif %}"
            "{% if reason %}\nNote: {{ reason }}{% endif %}"
            "\n\nOpen the case: {{ case_link }}",
        ),
    ),
    "incident_notice": (
        (
            "服务异常通知：{{ item }} 受到影响" + CASE_ZH,
            "{{ customer_name }}您好：\n\n由于{{ reason }}，您的 {{ item }} 受到影响，我们正在全力处理。"
            "\n新的预计完成时间：{{ eta }}"
            "{% if status_link %}\n查看最新进展：{{ status_link }}{% endif %}"
            "\n\n给您带来不便，我们深表歉意。" + SIGN_ZH,
        ),
        (
            "Service disruption: {{ item }} is affected" + CASE_EN,
            "Dear {{ customer_name }},\n\nBecause of {{ reason }}, your {{ item }} is affected; we are working on it."
            "\nNew estimated completion: {{ eta }}"
            "{% if status_link %}\nLatest news: {{ status_link }}{% endif %}"
            "\n\nWe apologise for the inconvenience." + SIGN_EN,
        ),
    ),
    "case_reply": (
        (
            "关于 {{ item }} 的回复" + CASE_ZH,
            "{{ customer_name }}您好：\n\n{{ message }}"
            "{% if reason %}\n原因：{{ reason }}{% endif %}"
            "{% if eta %}\n预计完成时间：{{ eta }}{% endif %}"
            "{% if status_link %}\n进度查询：{{ status_link }}{% endif %}" + SIGN_ZH,
        ),
        (
            "About {{ item }}" + CASE_EN,
            "Dear {{ customer_name }},\n\n{{ message }}"
            "{% if reason %}\nWhy: {{ reason }}{% endif %}"
            "{% if eta %}\nExpected completion: {{ eta }}{% endif %}"
            "{% if status_link %}\nStatus: {{ status_link }}{% endif %}" + SIGN_EN,
        ),
    ),
    "channel_test": (
        (
            "Unstuck 通道测试",
            "这是一条测试消息，由 {{ agent_name }} 在 Unstuck 管理后台发送。收到即表示通道配置正确。",
        ),
        (
            "Unstuck channel test",
            "A test message sent by {{ agent_name }} from the Unstuck admin: this channel works.",
        ),
    ),
}


def seed(apps, schema_editor):
    MessageTemplate = apps.get_model("messaging", "MessageTemplate")
    for key, ((zh_subject, zh_body), (en_subject, en_body)) in DEFAULTS.items():
        for language, subject, body in (("zh-hans", zh_subject, zh_body), ("en", en_subject, en_body)):
            MessageTemplate.objects.get_or_create(
                key=key,
                language=language,
                case_type="",
                cause="",
                step="",
                defaults={"subject": subject, "body_text": body},
            )


def unseed(apps, schema_editor):
    MessageTemplate = apps.get_model("messaging", "MessageTemplate")
    for key, ((zh_subject, zh_body), (en_subject, en_body)) in DEFAULTS.items():
        for language, subject, body in (("zh-hans", zh_subject, zh_body), ("en", en_subject, en_body)):
            MessageTemplate.objects.filter(
                key=key, language=language, case_type="", cause="", step="", subject=subject, body_text=body
            ).delete()


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
