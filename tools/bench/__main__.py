"""``python -m tools.bench``: the benchmark against the local engine and broker (docs/performance.md).

Exit codes: 0 every scenario completed; 1 a scenario failed or stalled (results are still
written); 2 the engine or the broker is not reachable.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import click
from loguru import logger

from tools.bench import plan
from tools.bench.engine import Engine
from tools.bench.environment import describe, remove_leftovers, services_up
from tools.bench.plot import write_plots
from tools.bench.profiling import py_spy
from tools.bench.report import write_outputs
from tools.bench.runner import Runner
from tools.bench.shapes import Shape, parse_shapes
from tools.bench.suite_config import SuiteKnobs, with_overrides

DEFAULT_ENGINE = "http://127.0.0.1:8080/engine-rest"


@click.command(name="bench")
@click.option("--quick", is_flag=True, help="a ~3-minute smoke run: 300x5, every contender, one round")
@click.option("--scaling", is_flag=True, help="the scaling run (1k/5k/20k tasks, 1/2/4 creators) instead")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("bench-results"),
    show_default=True,
)
@click.option("--engine-url", default=DEFAULT_ENGINE, show_default=True)
@click.option(
    "--shape",
    "shape_texts",
    multiple=True,
    metavar="INSTANCESxSTEPS",
    help="load shapes, repeatable or comma-separated [default 1000x5,3000x1; quick 300x5]",
)
@click.option("--instances", type=int, help="process instances of a single shape (instead of --shape)")
@click.option("--steps", type=int, help="external tasks per instance of a single shape")
@click.option(
    "--rounds",
    type=int,
    help="times every contender is measured, even rounds in reverse order [default 3, quick 1]",
)
@click.option(
    "--client-rounds",
    type=int,
    help="rounds the client library runs in, at the first shape only [default 1; quick: every round]",
)
@click.option(
    "--only", multiple=True, type=click.Choice(plan.NAMES), help="run only these scenarios (repeatable)"
)
@click.option("--pace", type=float, help="tasks/s of suite-paced [half the suite's measured maximum]")
@click.option(
    "--knob", "knobs", multiple=True, metavar="NAME=VALUE", help="override a suite knob (repeatable)"
)
@click.option(
    "--keep-history", is_flag=True, help="leave each scenario's deployment and history in the engine"
)
@click.option("--profile", is_flag=True, help="record py-spy CPU profiles of every measured process")
def main(
    quick: bool,
    scaling: bool,
    out: Path,
    engine_url: str,
    shape_texts: tuple[str, ...],
    instances: int | None,
    steps: int | None,
    rounds: int | None,
    client_rounds: int | None,
    only: tuple[str, ...],
    pace: float | None,
    knobs: tuple[str, ...],
    keep_history: bool,
    profile: bool,
) -> None:
    """Measure the suite against the raw REST limit and the client library; judge the targets.

    Without options: 3 paired rounds of the suite and the parallel raw loop at 1000x5 and
    at 3000x1, one round of the client library (defaults and tuned) at 1000x5, then the
    suite paced at half its rate.

    Knobs: max_tasks, async_response_timeout_ms, use_priority, fetch_gather_ms, creator_concurrency,
    creator_prefetch, tracker_concurrency, camunda_pool_size, creators, log_level.
    """
    logger.remove()
    logger.add(sys.stderr, format="{time:HH:mm:ss} {message}", level="INFO")
    try:
        suite_knobs = with_overrides(SuiteKnobs(), knobs)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--knob") from None
    chosen = choose(quick, shape_texts, instances, steps, rounds, client_rounds)
    spy = py_spy() if profile else None
    if profile and spy is None:
        raise click.UsageError("--profile needs py-spy: .venv/bin/pip install py-spy")
    engine = Engine(engine_url)
    if not services_up(engine):
        raise SystemExit(2)
    began = time.monotonic()
    run_id = datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = (out / run_id).resolve()  # the programs get absolute paths in their config
    folder.mkdir(parents=True, exist_ok=True)
    remove_leftovers(engine)
    runner = Runner(engine, folder, run_id.replace("-", ""), keep=keep_history, py_spy=spy)
    meta = describe(engine, "scaling" if scaling else chosen.name, suite_knobs)
    if scaling:
        results = plan.scaling(runner, suite_knobs)
    else:
        results = plan.comparison(runner, chosen, suite_knobs, only=only, pace=pace)
    meta["elapsed_s"] = round(time.monotonic() - began)  # the whole run: `make bench` has 10 minutes
    write_plots(results, folder)
    click.echo(write_outputs(results, meta, folder))
    click.echo(f"results: {folder / 'results.json'}")
    raise SystemExit(0 if all(r.complete for r in results) else 1)


def choose(
    quick: bool,
    shape_texts: tuple[str, ...],
    instances: int | None,
    steps: int | None,
    rounds: int | None,
    client_rounds: int | None,
) -> plan.Profile:
    """The profile with the command line's overrides; a bad shape is a usage error."""
    chosen = plan.QUICK if quick else plan.TARGETS
    if shape_texts and (instances or steps):
        raise click.UsageError("give either --shape or --instances/--steps")
    try:
        shapes = parse_shapes(shape_texts) if shape_texts else chosen.shapes
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--shape") from None
    if instances or steps:
        shapes = (Shape(instances or chosen.first.instances, steps or chosen.first.steps),)
    return replace(
        chosen,
        shapes=shapes,
        rounds=rounds or chosen.rounds,
        client_rounds=client_rounds or chosen.client_rounds,
    )


if __name__ == "__main__":
    main()
