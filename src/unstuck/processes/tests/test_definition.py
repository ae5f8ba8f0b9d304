import pytest

from unstuck.calendars.durations import Duration
from unstuck.processes.definition import ProcessDefinitionError, parse_process_definition

ISSUE_EXAMPLE = """\
key: order-delivery          # unique, URL-safe
name: 订单交付
calendar: cn-workdays        # "always" (24x7), "cn-workdays", or another named calendar
promise: 3d                  # optional: promised-by = first event + this, unless an event carries promised_at
terminal: [delivered, cancelled]
steps:
  - key: paid
    max_dwell: 4h            # in the process calendar's time: 30s, 90m, 4h, 3d
    team: warehouse          # optional: the team that owns stalls in this step
  - key: awaiting_confirmation
    max_dwell: 24h
    confirmation: {by: customer, remind_after: [4h, 12h]}   # optional
  - key: failed
    interruption: true       # reaching this step is itself a stall
"""


def test_the_documented_keys_are_accepted_exactly_as_written():
    definition = parse_process_definition(ISSUE_EXAMPLE)
    assert definition.key == "order-delivery"
    assert definition.name == "订单交付"
    assert definition.calendar == "cn-workdays"
    assert definition.promise == Duration(days=3)
    assert definition.terminal == ("delivered", "cancelled")
    paid, confirm, failed = definition.steps
    assert (paid.key, paid.max_dwell, paid.team) == ("paid", Duration(seconds=4 * 3600), "warehouse")
    assert confirm.confirmation is not None
    assert confirm.confirmation.by == "customer"
    assert confirm.confirmation.remind_after == (Duration(seconds=4 * 3600), Duration(seconds=12 * 3600))
    assert failed.interruption is True


@pytest.mark.parametrize(
    ("text", "path", "line", "fragment"),
    [
        ("key: Bad Key!\nsteps:\n  - key: a\n", "key", 1, "URL-safe"),
        ("key: p\nsteps:\n  - key: a\n    max_dwell: 4 hours\n", "steps[0].max_dwell", 4, "not a duration"),
        ("key: p\nsteps:\n  - key: a\n  - key: a\n", "steps[1].key", 4, "already defined"),
        ("key: p\nsteps:\n  - key: a\n    colour: red\n", "steps[0].colour", 4, "unknown key"),
        ("key: p\n", "steps", 1, "is required"),
        ("key: p\nsteps: []\n", "steps", 2, "non-empty"),
        (
            "key: p\nsteps:\n  - key: a\n    interruption: maybe\n",
            "steps[0].interruption",
            4,
            "true or false",
        ),
        (
            "key: p\nsteps:\n  - key: a\n    confirmation: {by: customer}\n",
            "steps[0].confirmation",
            4,
            "deadline",
        ),
        (
            "key: p\nsteps:\n  - key: a\n"
            "    confirmation: {by: customer, remind_after: [soon]}\n    max_dwell: 1h\n",
            "steps[0].confirmation.remind_after[0]",
            4,
            "not a duration",
        ),
        ("key: p\nsteps:\n  - {key: a\n", "file", 4, "not valid YAML"),
        ("key: p\nkey: q\nsteps:\n  - key: a\n", "key", 2, "twice"),
        ("", "file", None, "empty"),
    ],
)
def test_invalid_files_name_the_key_and_line(text, path, line, fragment):
    with pytest.raises(ProcessDefinitionError) as caught:
        parse_process_definition(text)
    assert caught.value.path == path
    assert caught.value.line == line
    assert fragment in caught.value.message


def test_terminal_steps_count_as_known_without_being_listed():
    from unstuck.processes.spec import spec_from_definition

    spec = spec_from_definition(1, 1, parse_process_definition(ISSUE_EXAMPLE))
    assert spec.is_known_step("delivered")
    assert spec.is_known_step("paid")
    assert not spec.is_known_step("teleported")
