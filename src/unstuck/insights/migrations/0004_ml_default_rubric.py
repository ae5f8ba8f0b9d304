"""Seed the default QA rubric (质检评分表): five criteria, weights summing to 100."""

from django.db import migrations

DEFAULT_CRITERIA = (
    # key, 中文, English, weight
    ("problem_identification", "问题识别", "Problem identification", 25),
    ("courtesy", "沟通礼貌", "Courtesy in communication", 15),
    ("solution", "解决方案", "Solution", 30),
    ("timeliness", "时效", "Timeliness", 15),
    ("record_completeness", "记录完整", "Complete records", 15),
)


def seed(apps, schema_editor):
    QaRubric = apps.get_model("insights", "QaRubric")
    QaCriterion = apps.get_model("insights", "QaCriterion")
    if QaRubric.objects.exists():
        return
    rubric = QaRubric.objects.create(
        name="默认质检评分表", active=True, random_per_agent=1, targeted_per_agent=2
    )
    for position, (key, name, name_en, weight) in enumerate(DEFAULT_CRITERIA):
        QaCriterion.objects.create(
            rubric=rubric, key=key, name=name, name_en=name_en, weight=weight, max_score=5, position=position
        )


def unseed(apps, schema_editor):
    QaRubric = apps.get_model("insights", "QaRubric")
    QaRubric.objects.filter(name="默认质检评分表", criteria__key="problem_identification").delete()


class Migration(migrations.Migration):
    dependencies = [("insights", "0003_ml_prediction_qa")]

    operations = [migrations.RunPython(seed, unseed)]
