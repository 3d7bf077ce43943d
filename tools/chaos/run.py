"""One chaos run from start to verdict: copies up, sandbox and services started, load and faults,
drain, judgement from external truth, report, and everything stopped again."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from loguru import logger

from core.camunda import CamundaSettings, EngineAdmin
from tools import launcher
from tools.chaos import bpmn, judge
from tools.chaos import plan as p
from tools.chaos.config import BITRIX24_RATE, write_set_config
from tools.chaos.copies import Copies, CopyError
from tools.chaos.effects import tally
from tools.chaos.faults import Injected, Injector
from tools.chaos.fleet import Fleet, ServiceSet
from tools.chaos.load import Starter
from tools.sandbox.bitrix24.server import SandboxServer, make_server

AUTO_CLOSE_S = 3.0  # a person closes a Bitrix24 task this long after it was created
MAX_START_RATE = 5.0  # instances per second at most, whatever the plan's span
#: Faults took 1.1-1.5 times the plan's estimate (restarts on a busy machine): the load is spread
#: over a longer window, and what is left when the last fault ends starts then.
SPAN_STRETCH = 1.4
#: Instances started only after the last fault (at least TAIL_MIN, else one in TAIL_SHARE).
TAIL_MIN, TAIL_SHARE = 10, 50
WATCH_S = 0.5
DRAIN_POLL_S = 2.0
FOREIGN = (*launcher.FOREIGN_PREFIXES, "LEDGER_", "BITRIX24_")


@dataclass(frozen=True)
class Options:
    instances: int
    seed: int
    short: bool
    cluster: bool
    engine: str
    sets: int
    keep: bool
    out: Path
    drain_s: float
    command: str


@dataclass
class Run:
    options: Options
    plan: p.Plan
    folder: Path
    token: str
    copies: Copies
    broker_url: str = ""  # the broker copy's RABBITMQ_URL, once it runs
    fleet: Fleet | None = None
    sandbox: SandboxServer | None = None

    @property
    def keys(self) -> tuple[str, str]:
        return bpmn.keys(self.token)

    @property
    def prefix(self) -> str:
        return f"chaos{self.token}."

    def wait(self, seconds: float) -> None:
        """Sleep ``seconds`` while restarting services that exit on their own."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if self.fleet is not None:
                self.fleet.watch()
            time.sleep(min(WATCH_S, left))


def execute(options: Options) -> dict[str, Any]:
    """Run everything; returns the report's document (``document["verdict"]["passed"]``)."""
    began = time.time()
    stamp = datetime.fromtimestamp(began, UTC)
    plan = p.make_plan(
        seed=options.seed,
        instances=options.instances,
        short=options.short,
        cluster=options.cluster,
        sets=options.sets,
    )
    run = Run(
        options,
        plan,
        options.out / stamp.strftime("%Y%m%dT%H%M%SZ"),
        stamp.strftime("%Y%m%d%H%M%S"),
        Copies(options.engine, options.cluster),
    )
    try:
        _bring_up(run)
        injected, started, load_began = _load_and_faults(run)
        _drain(run, list(started.values()))
        document = _document(run, injected, started, load_began, began)
    finally:
        _tear_down(run)
    return document


def _bring_up(run: Run) -> None:
    copies = run.copies
    with ThreadPoolExecutor(3, thread_name_prefix="chaos-copies") as pool:
        engine = pool.submit(copies.start_engine, fresh=True)
        postgres = pool.submit(copies.start_postgres)
        broker = pool.submit(copies.start_broker)
        engine.result()
        postgres.result()
        run.broker_url = broker.result()
    run.sandbox = make_server(port=0, rate=BITRIX24_RATE, burst=100, auto_close_after_s=AUTO_CLOSE_S)
    threading.Thread(target=run.sandbox.serve_forever, name="chaos-bitrix24", daemon=True).start()
    _deploy(run)
    run.fleet = Fleet([_service_set(run, chr(ord("a") + i)) for i in range(run.plan.sets)])
    run.fleet.start()


def _deploy(run: Run) -> None:
    python_key, people_key = run.keys
    files = {
        f"{python_key}.bpmn": bpmn.python_process(python_key).encode(),
        f"{people_key}.bpmn": bpmn.people_process(people_key).encode(),
    }
    engine = EngineAdmin(CamundaSettings(base_url=run.copies.engine_url))
    try:
        engine.create_deployment(f"chaos-{run.token}", files)
    finally:
        engine.close()


def _service_set(run: Run, name: str) -> ServiceSet:
    folder = run.folder / f"set-{name}"
    config = write_set_config(
        folder,
        name=name,
        engine_url=run.copies.engine_url,
        prefix=run.prefix,
        process_keys=list(run.keys),
        effects_db=run.folder / "effects.sqlite3",
        sets=run.plan.sets,
        quorum=run.options.cluster,
    )
    assert run.sandbox is not None
    extra = {
        "LOG_FORMAT": "json",
        "LEDGER_DSN": run.copies.ledger_dsn,
        "RABBITMQ_URL": run.broker_url,
        "BITRIX24_WEBHOOK_URL": f"{_sandbox_url(run.sandbox)}/rest/1/sandboxsecret/",
    }
    env = launcher.child_env(config, extra, foreign=FOREIGN)
    return ServiceSet(name, env, folder / "logs")


def _sandbox_url(server: SandboxServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def _load_and_faults(run: Run) -> tuple[list[tuple[float, Injected]], dict[int, str], float]:
    """Start the instances over the plan's span and inject every fault in order."""
    assert run.fleet is not None and run.sandbox is not None
    python_key, people_key = run.keys
    keys = [people_key if people else python_key for people in run.plan.people]
    tail = max(TAIL_MIN, len(keys) // TAIL_SHARE) if len(keys) > 2 * TAIL_MIN else 0
    window = max(run.plan.span_s * SPAN_STRETCH, (len(keys) - tail) / MAX_START_RATE)
    starter = Starter(run.copies.engine_url, keys, window, tail, MAX_START_RATE)
    injector = Injector(run.copies, run.fleet, _sandbox_url(run.sandbox), run.wait)
    load_began = time.time()
    starter.start()
    injected: list[tuple[float, Injected]] = []
    for fault in run.plan.faults:
        run.wait(fault.gap_s)
        at_s = time.time() - load_began
        injected.append((at_s, injector.inject(fault)))
    starter.release()
    while not starter.done():
        run.wait(1.0)
    if starter.error:
        logger.error("chaos: {}", starter.error)
    return injected, dict(starter.started), load_began


def _drain(run: Run, ids: list[str]) -> None:
    """Wait until every started instance finished or holds an incident, or the drain times out."""
    history = judge.EngineHistory(run.copies.engine_url)
    deadline = time.monotonic() + run.options.drain_s
    try:
        while time.monotonic() < deadline:
            done = judge.settled(history, list(run.keys), ids)
            logger.info("chaos: {} of {} instances settled", done, len(ids))
            if done >= len(ids):
                return
            run.wait(DRAIN_POLL_S)
    finally:
        history.close()


def _document(
    run: Run, injected: list[tuple[float, Injected]], started: dict[int, str], load_began: float, began: float
) -> dict[str, Any]:
    assert run.sandbox is not None and run.fleet is not None
    history = judge.EngineHistory(run.copies.engine_url)
    try:
        keys = list(run.keys)
        evidence = judge.Evidence(
            planned=run.plan.instances,
            started={instance: run.plan.people[index] for index, instance in started.items()},
            instances=history.instances(keys),
            incidents=history.open_incidents(keys),
            successes=history.successes(keys),
            portal_tasks=run.sandbox.sandbox.state.snapshot()["tasks"],
            effects=tally(run.folder / "effects.sqlite3"),
            faults=[fault for _, fault in injected],
            planned_faults=len(run.plan.faults),
        )
    finally:
        history.close()
    verdict = judge.judge(evidence)
    faults = [
        {**fault.as_dict(), "at_s": round(at_s, 1), "recovery_s": recovery}
        for (at_s, fault), recovery in zip(injected, verdict.recovery_s, strict=True)
    ]
    return {
        "schema": "exchanger.chaos/1",
        "started_at": datetime.fromtimestamp(began, UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "command": run.options.command,
        "seed": run.plan.seed,
        "engine": run.options.engine,
        "engine_version": _engine_version(run),
        "broker": _broker_mode(run),
        "sets": run.plan.sets,
        "people_instances": sum(run.plan.people),
        "plan": run.plan.as_dict(),
        "load_began": load_began,
        "faults": faults,
        "verdict": verdict.as_dict(),
        "unplanned_exits": run.fleet.unplanned_exits,
        "wall_s": round(time.time() - began, 1),
        "folder": str(run.folder),
    }


def _engine_version(run: Run) -> str:
    engine = EngineAdmin(CamundaSettings(base_url=run.copies.engine_url))
    try:
        return engine.version()
    finally:
        engine.close()


def _broker_mode(run: Run) -> str:
    return "3-node cluster, quorum queues" if run.options.cluster else "single node"


def _tear_down(run: Run) -> None:
    if run.fleet is not None:
        run.fleet.stop()
    if run.sandbox is not None:
        run.sandbox.shutdown()
        run.sandbox.server_close()
    if not run.options.keep:
        try:
            run.copies.stop_all()
        except CopyError as err:  # reported, without hiding what the run itself raised
            logger.error("chaos: stopping the copies: {}", err)
