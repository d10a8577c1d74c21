"""Figures the reliability and security suites count (faults injected, emails lost, URL
patterns x actors covered, bad inputs tried ...).

A test calls `figures.add("faults.broker_down.injections")`; at the end of the run the totals are
printed under "AutoPaspoort reliability figures" and written to var/test-figures.json, which is
where docs/reliability.md takes its numbers from.
"""

import json
from collections import Counter
from pathlib import Path

_totals: Counter = Counter()


def add(name: str, amount: int = 1) -> None:
    _totals[name] += amount


def totals() -> dict[str, int]:
    return dict(sorted(_totals.items()))


def write(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(totals(), indent=2) + "\n")
