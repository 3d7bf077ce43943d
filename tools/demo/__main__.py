"""``python -m tools.demo``: deploy the demo processes, run the suite, show them finish.

Uses the local services (``scripts/services.sh start``), a private state folder
(``.state/demo``) and broker prefix (``demo.``), so it never touches other work.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

import click
import yaml

from core.camunda import CamundaClient, CamundaSettings
from core.errors import ExchangerError
from tools.demo.processes import ROOT, ServiceGroup

STATE = ROOT / ".state" / "demo"
PROCESS_KEY = "demo-orders"
SERVICES = (
    ("worker", "universal_worker", ()),
    ("creator", "task_creator", ("--system", "python")),
    ("tracker", "task_tracker", ()),
)


def demo_config(camunda_url: str) -> Path:
    """The repository's config plus the demo's handler module, in the demo's own folder."""
    folder = STATE / "config"
    folder.mkdir(parents=True, exist_ok=True)
    general = yaml.safe_load((ROOT / "config" / "exchanger.yaml").read_text())
    general.update({"state_dir": str(STATE), "environment": "demo"})
    general["camunda"]["url"] = camunda_url
    general["rabbitmq"]["prefix"] = "demo."
    general["worker"].update({"topic_discovery_interval_s": 2})
    systems = yaml.safe_load((ROOT / "config" / "systems.yaml").read_text())
    python = systems["systems"]["python"]
    python["options"]["handler_modules"] = [
        *python["options"].get("handler_modules", []),
        "tools.demo.handlers",
    ]
    routing = yaml.safe_load((ROOT / "config" / "routing.yaml").read_text())
    routing["rules"].insert(0, {"topic": "demo.*", "system": "python"})
    for name, body in (("exchanger.yaml", general), ("systems.yaml", systems), ("routing.yaml", routing)):
        (folder / name).write_text(yaml.safe_dump(body, allow_unicode=True, sort_keys=False))
    return folder


def random_order(rng: random.Random) -> dict[str, object]:
    """Mostly fine orders, some big ones and a few broken ones (to show the error path)."""
    if rng.random() < 0.15:
        return {
            "customer": f"c{rng.randint(1, 99)}",
            "items": [] if rng.random() < 0.5 else [{"category": "misc", "price": 0}],
        }
    lines = [
        {"category": rng.choice(["books", "tools", "toys"]), "price": round(rng.uniform(5, 600), 2)}
        for _ in range(rng.randint(1, 5))
    ]
    return {"customer": f"c{rng.randint(1, 99)}", "items": lines}


def deploy(client: CamundaClient) -> None:
    bpmn = ROOT / "bpmn" / "demo-orders.bpmn"
    deployment = client.create_deployment(
        "exchanger-demo", {bpmn.name: bpmn.read_bytes()}, deploy_changed_only=True
    )
    versions = [
        f"{d['key']} v{d['version']}" for d in (deployment.get("deployedProcessDefinitions") or {}).values()
    ]
    click.echo(f"deployed: {', '.join(versions) or 'unchanged'}")


def watch(client: CamundaClient, instance_ids: list[str], started: float, timeout_s: float) -> dict[str, int]:
    """Show a progress bar until every instance has finished or is stuck in an incident."""
    wanted = set(instance_ids)
    with click.progressbar(length=len(wanted), label="instances finished") as bar:
        done = 0
        while time.monotonic() - started < timeout_s:
            finished = {
                p["id"]
                for p in client.history_process_instances(processDefinitionKey=PROCESS_KEY, finished=True)
            }
            stuck = {
                i["processInstanceId"] for i in client.list_incidents(processDefinitionKeyIn=PROCESS_KEY)
            }
            now = len(wanted & (finished | stuck))
            bar.update(now - done)
            done = now
            if done == len(wanted):
                break
            time.sleep(0.5)
    return summarise(client, wanted)


def summarise(client: CamundaClient, wanted: set[str]) -> dict[str, int]:
    rejected = accepted = reviewed = 0
    for instance in wanted:
        activities = {row["activityId"] for row in client.history_activity_instances(instance)}
        rejected += "Rejected" in activities
        accepted += "Accepted" in activities
        reviewed += "Review" in activities
    incidents = len(
        {i["processInstanceId"] for i in client.list_incidents(processDefinitionKeyIn=PROCESS_KEY)} & wanted
    )
    return {"accepted": accepted, "flagged_big": reviewed, "rejected": rejected, "incidents": incidents}


@click.command()
@click.option("--instances", default=40, show_default=True, help="how many orders to run")
@click.option("--engine-url", default="http://127.0.0.1:8080/engine-rest", show_default=True)
@click.option(
    "--timeout", "timeout_s", default=180.0, show_default=True, help="give up after this many seconds"
)
@click.option("--seed", default=7, show_default=True)
def main(instances: int, engine_url: str, timeout_s: float, seed: int) -> None:
    """Run the demo processes end to end against the local engine and broker."""
    client = CamundaClient(CamundaSettings(base_url=engine_url))
    try:
        click.echo(f"engine {client.version()} at {engine_url}")
        deploy(client)
    except ExchangerError as err:
        raise click.ClickException(f"{err} — start the services first: scripts/services.sh start") from None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EXCHANGER_", "CAMUNDA_", "RABBITMQ_"))}
    env.update(
        {"EXCHANGER_CONFIG_DIR": str(demo_config(engine_url)), "PYTHONPATH": str(ROOT), "LOG_FORMAT": "json"}
    )
    group = ServiceGroup(env, STATE / "logs")
    try:
        for name, module, args in SERVICES:
            group.start(name, module, *args)
        for name, module, args in SERVICES:
            group.wait_healthy(name, module, *args)
        click.echo("worker, creator and tracker are running (logs: .state/demo/logs/)")
        rng = random.Random(seed)
        started = time.monotonic()
        ids = [
            client.start_process_instance(PROCESS_KEY, variables=random_order(rng))["id"]
            for _ in range(instances)
        ]
        result = watch(client, ids, started, timeout_s)
        elapsed = time.monotonic() - started
    finally:
        group.stop_all()
    click.echo(
        f"{PROCESS_KEY}: {instances} instances, {result['accepted']} accepted "
        f"({result['flagged_big']} flagged as big), {result['rejected']} rejected on the error path, "
        f"{result['incidents']} incidents, {elapsed:.1f} s"
    )
    finished = result["accepted"] + result["rejected"]
    if finished + result["incidents"] < instances or result["incidents"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
