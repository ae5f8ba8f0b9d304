"""Every model change has its migration, and every migration can be reversed."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_migrations_reverse_to_zero_and_apply_again():
    apps = ["stalls", "tracking", "customers", "processes", "calendars", "accounts"]
    for app in apps:
        call_command("migrate", app, "zero", verbosity=0)
    call_command("migrate", verbosity=0)
