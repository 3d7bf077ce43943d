"""Runs one scenario end to end: deploy, load, start the contender, wait, measure, clean up.

Every scenario gets a fresh process key (and broker prefix), so history of one never mixes
with another; its deployment is deleted with its history afterwards unless ``keep`` is set.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
from loguru import logger

from tools.bench.bpmn import TOPIC_PREFIX, chain_process
from tools.bench.contenders import Contender, Workspace, is_ready
from tools.bench.engine import Deployment, Engine
from tools.bench.load import PacedStarter, start_all
from tools.bench.measure import Observed, fill
from tools.bench.procs import stop
from tools.bench.profiling import Profiler
from tools.bench.results import ScenarioResult
from tools.bench.sampler import Sampler, listening_pid
from tools.bench.timings import read_times
from tools.launcher import Child, tail

POLL_S = 1.0
READY_TIMEOUT_S = 60.0
#: No log or pick output for this long means the contender is stuck (the engine's long-poll
#: re-check is 30 s, so a shorter limit would misread a legitimate pause).
STALL_S = 90.0
BROKER_PORT = 5672


@dataclass(frozen=True)
class Scenario:
    name: str
    role: str
    contender: Contender
    instances: int
    steps: int
    pace_tasks_per_s: float | None = None  # None: every instance is started before the consumers

    @property
    def tasks(self) -> int:
        return self.instances * self.steps


class ScenarioFailed(Exception):
    pass


class Runner:
    def __init__(
        self, engine: Engine, out: Path, run_id: str, *, keep: bool = False, py_spy: str | None = None
    ) -> None:
        self.engine = engine
        self.out = out
        self.run_id = run_id
        self.keep = keep
        self.py_spy = py_spy  # set: profile every contender process (costs some CPU itself)

    def run(self, scenario: Scenario) -> ScenarioResult:
        slug = scenario.name.replace("-", "_")
        ws = Workspace(
            self.out / "scenarios" / scenario.name,
            self.engine.url,
            key=f"bench_{self.run_id}_{slug}",
            topic=f"{TOPIC_PREFIX}{self.run_id}.{slug}",
            prefix=f"bench{self.run_id}.{slug}.",
        )
        result = _empty_result(scenario)
        logger.info("scenario {}: {} tasks ({})", scenario.name, scenario.tasks, result.mode)
        try:
            deployment = self.engine.deploy(ws.key, chain_process(ws.key, scenario.steps, ws.topic))
        except requests.RequestException as err:
            return _failed(result, f"could not deploy: {err}")
        try:
            self._run(scenario, ws, deployment, result)
        except Exception as err:  # the shared services may vanish mid-run: record it, go on
            _failed(result, f"{type(err).__name__}: {err}")
        finally:
            self._clean_up(scenario, ws, deployment)
        logger.info(
            "scenario {}: {:.1f} tasks/s steady, p50 {} ms",
            scenario.name,
            result.steady_tasks_per_s,
            round(result.latency_ms["p50"]) if result.latency_ms else "-",
        )
        return result

    def _run(self, scenario: Scenario, ws: Workspace, deployment: Deployment, result: ScenarioResult) -> None:
        if scenario.pace_tasks_per_s is None:
            result.setup_s = start_all(self.engine, ws.key, scenario.instances)
        origin = time.time()
        children = scenario.contender.launch(ws)
        sampler = self._sampler(children)
        sampler.start()
        profiler = self._profiler(children, ws, result)
        try:
            origin = self._drive(scenario, ws, deployment, children, result) or origin
        except ScenarioFailed as err:
            _failed(result, str(err))
        finally:
            sampler.stop()
            result.context.update(scenario.contender.counters(ws))
            stop(children)
            if profiler is not None:
                profiler.finish()
        picks = scenario.contender.picks(ws)
        times = read_times(self.engine, deployment.definition_id)
        fill(result, Observed(times, picks, sampler, origin))

    def _drive(
        self,
        scenario: Scenario,
        ws: Workspace,
        deployment: Deployment,
        children: list[Child],
        result: ScenarioResult,
    ) -> float | None:
        """Feed the paced load (if any) and wait until every instance finished.

        Returns when pacing began (the paced scenario's time origin), None for a burst.
        """
        if scenario.pace_tasks_per_s is None:
            self._wait_done(deployment, children, ws, None)
            return None
        _wait_ready(scenario.contender, children)
        began = time.time()
        starter = PacedStarter(
            self.engine, ws.key, scenario.instances, scenario.pace_tasks_per_s / scenario.steps
        )
        starter.start()
        self._wait_done(deployment, children, ws, starter)
        result.context["pacing_lag_s"] = starter.lag_s
        return began

    def _profiler(self, children: list[Child], ws: Workspace, result: ScenarioResult) -> Profiler | None:
        if self.py_spy is None:
            return None
        profiler = Profiler(self.py_spy, ws.root / "profile")
        profiler.attach(children)
        result.settings["profiled_with_py_spy"] = True
        return profiler

    def _clean_up(self, scenario: Scenario, ws: Workspace, deployment: Deployment) -> None:
        try:
            scenario.contender.cleanup(ws)
            if not self.keep:
                self.engine.delete_deployment(deployment.deployment_id)
        except Exception as err:  # leftovers are removed at the start of the next run
            logger.warning("scenario {}: clean-up failed: {}", scenario.name, err)

    def _sampler(self, children: list[Child]) -> Sampler:
        pids = {child.name: child.pid for child in children}
        for name, port in (("engine", urlsplit(self.engine.url).port or 80), ("broker", BROKER_PORT)):
            pid = listening_pid(port)
            if pid is not None:
                pids[name] = pid
        return Sampler(pids)

    def _wait_done(
        self, deployment: Deployment, children: list[Child], ws: Workspace, starter: PacedStarter | None
    ) -> None:
        progress, changed_at = -1, time.monotonic()
        while True:
            time.sleep(POLL_S)
            _check_alive(children)
            if starter is not None and starter.error is not None:
                raise ScenarioFailed(f"starting instances failed: {starter.error}")
            loading = starter is not None and not starter.done()
            if not loading and self.engine.running_instances(deployment.definition_id) == 0:
                return
            now_progress = _output_size(ws)
            if now_progress != progress:
                progress, changed_at = now_progress, time.monotonic()
            elif time.monotonic() - changed_at > STALL_S:
                raise ScenarioFailed(f"no progress for {STALL_S:.0f} s")


def _empty_result(scenario: Scenario) -> ScenarioResult:
    return ScenarioResult(
        name=scenario.name,
        role=scenario.role,
        contender=scenario.contender.name,
        label=scenario.contender.label,
        mode="burst" if scenario.pace_tasks_per_s is None else "paced",
        instances=scenario.instances,
        steps=scenario.steps,
        tasks_expected=scenario.tasks,
        tasks_completed=0,
        complete=True,
        pace_tasks_per_s=scenario.pace_tasks_per_s,
        settings=scenario.contender.settings(),
    )


def _failed(result: ScenarioResult, reason: str) -> ScenarioResult:
    result.complete = False
    result.error = result.error or reason
    logger.error("scenario {} failed: {}", result.name, reason)
    return result


def _wait_ready(contender: Contender, children: list[Child]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not is_ready(contender, children):
        _check_alive(children)
        if time.monotonic() > deadline:
            raise ScenarioFailed(f"not ready within {READY_TIMEOUT_S:.0f} s")
        time.sleep(0.2)


def _check_alive(children: list[Child]) -> None:
    for child in children:
        code = child.exited()
        if code is not None:
            raise ScenarioFailed(f"{child.name} exited with {code}:\n{tail(child.log)}")


def _output_size(ws: Workspace) -> int:
    """Bytes the contender has written (logs, pick files): grows while it works."""
    return sum(
        path.stat().st_size
        for path in ws.root.rglob("*")
        if path.is_file() and path.suffix in {".log", ".txt"}
    )
