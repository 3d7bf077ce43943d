"""``tools.bench.ledger_marks``: the final mark one by one against in groups, on a scratch SQLite ledger."""

from __future__ import annotations

import re

from click.testing import CliRunner

from tools.bench.ledger_marks import main


def test_it_reports_both_ways_of_marking_per_task() -> None:
    result = CliRunner().invoke(main, ["--tasks", "60", "--group", "20", "--rounds", "1"])

    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert [line.split(":")[0].strip() for line in lines] == ["one commit per task", "groups of 20"]
    for line in lines:
        cpu, wall = (float(n) for n in re.findall(r"([\d.]+) (?:CPU|wall)-µs", line))
        assert cpu > 0 and wall > 0
