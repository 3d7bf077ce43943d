"""The seeded plan of a chaos run: which instances start (python-only or with a people task) and
which faults happen, in what order, with what pauses and down-times.

The same seed, size and mode give the same plan; the actual moments depend on how long restarts
take, so the run records them beside the plan.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any

#: The Exchanger service types the plan SIGKILLs (a creator per system).
SERVICE_TYPES = ("worker", "creator-python", "creator-bitrix24", "tracker")
#: Fault kinds besides kills.
BROKER, CLUSTER, ENGINE, POSTGRES = "broker-node", "broker-cluster", "engine", "postgres"
STORM_5XX, STORM_429 = "storm-5xx", "storm-429"
KILL = "kill"
PEOPLE_SHARE = 0.4  # instances with a Bitrix24 people task; the rest are python-only
#: Rough seconds a restart adds beyond the planned down-time (for sizing the load window).
RESTART_COST_S = {ENGINE: 12.0, BROKER: 8.0, CLUSTER: 20.0, POSTGRES: 1.5}


@dataclass(frozen=True)
class Fault:
    """One planned fault: ``gap_s`` after the previous one ended, down (or storming) ``down_s``."""

    kind: str
    target: str
    gap_s: float
    down_s: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Plan:
    seed: int
    instances: int
    short: bool
    cluster: bool
    sets: int
    people: tuple[bool, ...]  # per instance: True = with a people task
    faults: tuple[Fault, ...]

    @property
    def span_s(self) -> float:
        """About how long the faults take end to end (the load is spread over this window)."""
        return sum(f.gap_s + f.down_s + RESTART_COST_S.get(f.kind, 0.0) for f in self.faults)

    def as_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "instances": self.instances,
            "short": self.short,
            "cluster": self.cluster,
            "sets": self.sets,
            "people_instances": sum(self.people),
            "faults": [f.as_dict() for f in self.faults],
        }


def make_plan(*, seed: int, instances: int, short: bool, cluster: bool, sets: int) -> Plan:
    """The plan for ``seed``: the instance mix first, then the faults, from one random stream."""
    if instances < 1 or sets < 1:
        raise ValueError("a chaos run needs at least one instance and one set of services")
    rng = random.Random(seed)
    people = tuple(rng.random() < PEOPLE_SHARE for _ in range(instances))
    kinds = _fault_kinds(short=short, cluster=cluster, sets=sets, rng=rng)
    rng.shuffle(kinds)
    gaps = (1.5, 4.0) if short else (8.0, 20.0)
    faults = tuple(
        Fault(kind, target, round(rng.uniform(*gaps), 1), round(_down_s(kind, short, rng), 1))
        for kind, target in kinds
    )
    return Plan(seed, instances, short, cluster, sets, people, faults)


def _fault_kinds(*, short: bool, cluster: bool, sets: int, rng: random.Random) -> list[tuple[str, str]]:
    """(kind, target) of every fault: each service type killed once (short) or three times."""
    kills_each = 1 if short else 3
    set_names = [chr(ord("a") + i) for i in range(sets)]
    kinds = [
        (KILL, f"{service}@{rng.choice(set_names)}") for service in SERVICE_TYPES for _ in range(kills_each)
    ]
    node = f"node {rng.randint(1, 3)}" if cluster else "the broker"
    kinds += [(BROKER, node), (ENGINE, "engine"), (POSTGRES, "postgres")]
    if cluster:
        kinds.append((CLUSTER, "every node"))
    storms = [(STORM_5XX, "bitrix24"), (STORM_429, "bitrix24")]
    kinds += [rng.choice(storms)] if short else storms
    return kinds


def _down_s(kind: str, short: bool, rng: random.Random) -> float:
    """How long a service stays dead, a node (the engine, PostgreSQL) stopped, or a storm lasts."""
    if kind == KILL:
        return rng.uniform(0.5, 3.0)
    if kind in (STORM_5XX, STORM_429):
        return rng.uniform(3.0, 6.0)
    return rng.uniform(1.5, 3.5) if short else rng.uniform(2.0, 5.0)
