"""``python -m tools.demo``: deploy the demo processes, run the suite, show them finish.

Everything is local: the engine and RabbitMQ (``scripts/services.sh start``), the Bitrix24
sandbox (started here, with simulated people answering its tasks), a private state folder
(``.state/demo``) and broker prefix (``demo.``), so the demo never touches other work.
"""

from __future__ import annotations

import os
import random
import secrets
import time
from collections import Counter
from pathlib import Path

import click
import requests

from core.camunda import CamundaSettings, EngineAdmin
from core.config import AppSettings, load_settings
from core.errors import ExchangerError
from core.logs import setup_logging
from tools.demo.config import DEMO_SYSTEMS, write_demo_config
from tools.demo.direct import run_direct
from tools.demo.people import SandboxPeople
from tools.demo.processes import ServiceGroup
from tools.demo.sandboxes import BITRIX24_RATE, WB_TIME_SCALE, Sandboxes
from tools.demo.scenarios import AD_ANALYTICS, ALL, Scenario
from tools.launcher import ROOT, child_env

STATE = ROOT / ".state" / "demo"
SERVICES = (
    ("worker", "universal_worker", ()),
    ("creator", "task_creator", tuple(arg for name in DEMO_SYSTEMS for arg in ("--system", name))),
    ("tracker", "task_tracker", ()),
    ("api", "api", ()),  # the dashboard (and the API) while the demo runs
)
DIRECT_TIMEOUT_S = 20.0


def deploy(client: EngineAdmin) -> None:
    files = {scenario.bpmn: Path(scenario.path).read_bytes() for scenario in ALL}
    deployment = client.create_deployment("exchanger-demo", files, deploy_changed_only=True)
    versions = [
        f"{d['key']} v{d['version']}" for d in (deployment.get("deployedProcessDefinitions") or {}).values()
    ]
    click.echo(f"deployed: {', '.join(versions) or 'unchanged'}")


def start_instances(client: EngineAdmin, rng: random.Random) -> dict[str, list[str]]:
    return {s.key: [start_one(client, s, rng) for _ in range(s.count)] for s in ALL}


def start_one(client: EngineAdmin, scenario: Scenario, rng: random.Random) -> str:
    """By the none start event, or by the message of a process that has none (timer + message)."""
    variables = scenario.variables(rng)
    if scenario.message is None:
        return str(client.start_process_instance(scenario.key, variables=variables)["id"])
    body = {
        "messageName": scenario.message,
        "processVariables": {k: {"value": v, "type": "String"} for k, v in variables.items()},
        "resultEnabled": True,
    }
    answer = requests.post(f"{client.settings.base_url}/message", json=body, timeout=30)
    answer.raise_for_status()
    return str(answer.json()[0]["processInstance"]["id"])


def settled(client: EngineAdmin, started: dict[str, list[str]]) -> int:
    """Instances that finished, or that wait in an incident (they will not move by themselves)."""
    done = 0
    for key, ids in started.items():
        finished = {
            p["id"] for p in client.history_process_instances(processDefinitionKey=key, finished=True)
        }
        stuck = {i["processInstanceId"] for i in client.list_incidents(processDefinitionKeyIn=key)}
        done += len(set(ids) & (finished | stuck))
    return done


def watch(client: EngineAdmin, started: dict[str, list[str]], timeout_s: float) -> None:
    total = sum(len(ids) for ids in started.values())
    deadline = time.monotonic() + timeout_s
    with click.progressbar(length=total, label="instances finished") as bar:
        shown = 0
        while shown < total and time.monotonic() < deadline:
            now = settled(client, started)
            bar.update(now - shown)
            shown = now
            time.sleep(0.5)


def summary(client: EngineAdmin, scenario: Scenario, ids: list[str]) -> tuple[str, int]:
    ends: Counter[str] = Counter()
    for instance in ids:
        activities = {row["activityId"] for row in client.history_activity_instances(instance)}
        ends.update(label for end, label in scenario.ends.items() if end in activities)
    incidents = len(
        {i["processInstanceId"] for i in client.list_incidents(processDefinitionKeyIn=scenario.key)}
        & set(ids)
    )
    # In the order the scenario declares its ends, so two runs print the same line.
    labels = dict.fromkeys(scenario.ends.values())
    parts = ", ".join(f"{ends[label]} {label}" for label in labels if ends[label]) or "none finished"
    return f"{scenario.key}: {len(ids)} instances, {parts}, {incidents} incidents", incidents + len(
        ids
    ) - sum(ends.values())


def analytics_line(client: EngineAdmin, ids: list[str]) -> str:
    """What the ad-analytics run stored and flagged, from its variables."""
    values = client.history_variables(ids[0]) if ids else {}
    flagged = [row.get("advert_id") for row in values.get("flagged") or []]
    return (
        f"wb-ad-analytics: {values.get('wb_fullstats_rows')} campaign-days pulled, "
        f"{values.get('stored_table_rows')} rows in wb_campaign_days, flagged campaigns: {flagged or 'none'}"
    )


def echo_links(settings: AppSettings, engine_url: str, engine_version: str, token: str) -> None:
    """Where to watch: the dashboard (with this run's token) and the engine's Cockpit."""
    click.echo(
        f"dashboard: http://{settings.api.host}:{settings.api.port}/dashboard (token for this run: {token})"
    )
    click.echo(
        f"cockpit:   {cockpit_url(engine_url, engine_version)} (user {os.environ.get('ENGINE_ADMIN_USER', 'demo')})"
    )


def cockpit_url(engine_url: str, engine_version: str) -> str:
    """Cockpit beside the engine's REST API: Camunda 7 serves it under /camunda, Operaton under /operaton."""
    webapp = "camunda" if engine_version.startswith("7.") else "operaton"
    return f"{engine_url.removesuffix('/').removesuffix('/engine-rest')}/{webapp}/app/cockpit/default/"


def hold(seconds: float) -> None:
    """DEMO_HOLD_S: keep everything up a while after the run, to look around; Ctrl-C ends it early."""
    if seconds <= 0:
        return
    click.echo(f"holding the services and the dashboard up for {seconds:.0f} s (DEMO_HOLD_S); Ctrl-C ends it")
    try:
        time.sleep(seconds)
    except KeyboardInterrupt:
        click.echo("ended early")


@click.command()
@click.option("--engine-url", default="http://127.0.0.1:8080/engine-rest", show_default=True)
@click.option(
    "--timeout", "timeout_s", default=240.0, show_default=True, help="give up after this many seconds"
)
@click.option("--seed", default=7, show_default=True)
def main(engine_url: str, timeout_s: float, seed: int) -> None:
    """Run the demo processes end to end against the local engine, broker and Bitrix24 sandbox."""
    setup_logging("demo", fmt="text", level="WARNING")  # the sandbox's request lines stay quiet
    client = EngineAdmin(CamundaSettings(base_url=engine_url))
    try:
        click.echo(f"engine {client.version()} at {engine_url}")
        deploy(client)
    except ExchangerError as err:
        raise click.ClickException(f"{err} — start the services first: scripts/services.sh start") from None
    sandboxes = Sandboxes.start()
    bitrix24_url = sandboxes.url(sandboxes.bitrix24)
    people = SandboxPeople(bitrix24_url, seed=seed)
    urls = {
        "dadata": sandboxes.url(sandboxes.dadata),
        "yandexgpt": sandboxes.url(sandboxes.yandexgpt),
        "sms": sandboxes.sms.urls,
        "wildberries": sandboxes.url(sandboxes.wildberries),
        "wb_time_scale": WB_TIME_SCALE,
    }
    config = write_demo_config(
        STATE / "config", state_dir=STATE, camunda_url=engine_url, urls=urls, bitrix24_rate=BITRIX24_RATE
    )
    token = secrets.token_urlsafe(24)  # this run's own: the dashboard asks for it
    env = child_env(
        config,
        {"LOG_FORMAT": "json", "EXCHANGER_API_TOKENS": f"demo:operate:{token}", **sandboxes.environment()},
    )
    group = ServiceGroup(env, STATE / "logs")
    failures = 0
    try:
        for name, module, args in SERVICES:
            group.start(name, module, *args)
        for name, module, args in SERVICES:
            group.wait_healthy(name, module, *args)
        click.echo(
            "worker, creator, tracker and api are running against the sandboxes (logs: .state/demo/logs/)"
        )
        echo_links(load_settings(config, env=env), engine_url, client.version(), token)
        people.start()
        # OpenProject's people: every third work package is rejected, the others closed.
        requests.post(
            f"{sandboxes.url(sandboxes.openproject)}/_sandbox/auto",
            json={
                "rules": [
                    {"status": "Rejected", "every": 3, "after_s": 1},
                    {"status": "Closed", "after_s": 1},
                ]
            },
            timeout=10,
        ).raise_for_status()
        began = time.monotonic()
        started = start_instances(client, random.Random(seed))
        watch(client, started, timeout_s)
        elapsed = time.monotonic() - began
        for scenario in ALL:
            line, unfinished = summary(client, scenario, started[scenario.key])
            failures += unfinished
            click.echo(line)
        click.echo(analytics_line(client, started[AD_ANALYTICS.key]))
        counters = sandboxes.bitrix24.sandbox.state.counters()
        click.echo(
            f"all done in {elapsed:.1f} s; the Bitrix24 sandbox answered {sum(counters['requests'].values())} "
            f"requests, {counters['served_503']} of them rate-limited (503)"
        )
        # Direct tasks last, run by the same creator and tracker.
        settings = load_settings(config, env=env)
        failures += run_direct(settings, sandboxes.environment(), DIRECT_TIMEOUT_S)
        hold(float(os.environ.get("DEMO_HOLD_S") or 0))
    finally:
        people.stop()
        group.stop_all()
        sandboxes.stop()
    if failures:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
