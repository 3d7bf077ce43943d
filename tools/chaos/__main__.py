"""``python -m tools.chaos``: a seeded chaos run against copies of every service (docs/reliability.md).

Exit codes: 0 the verdict passed; 1 it failed (the report says why); 2 the run could not be
carried out (a copy did not start, a service did not come up).
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click
from loguru import logger

from core.errors import ExchangerError
from core.logs import setup_logging
from tools import launcher
from tools.chaos import report
from tools.chaos.run import Options, execute

FULL_INSTANCES, SHORT_INSTANCES = 1_000, 200


@click.command(name="chaos")
@click.option(
    "--instances", type=int, help=f"process instances [full {FULL_INSTANCES}, short {SHORT_INSTANCES}]"
)
@click.option("--seed", type=int, default=17, show_default=True, help="the same seed gives the same plan")
@click.option(
    "--short", is_flag=True, help="fewer faults (each service killed once, one storm), ~200 instances"
)
@click.option(
    "--cluster", is_flag=True, help="a 3-node RabbitMQ cluster with quorum queues instead of one node"
)
@click.option("--engine", type=click.Choice(["camunda", "operaton"]), default="camunda", show_default=True)
@click.option(
    "--sets",
    type=click.IntRange(1, 4),
    help="complete sets of services, as on several hosts [full 2, short 1]",
)
@click.option(
    "--drain", "drain_s", type=float, help="seconds to wait for the last instances [full 300, short 90]"
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("chaos-results"),
    show_default=True,
)
@click.option("--write-docs", is_flag=True, help="replace the table of the last run in docs/reliability.md")
@click.option("--keep", is_flag=True, help="leave the service copies running afterwards")
def main(
    instances: int | None,
    seed: int,
    short: bool,
    cluster: bool,
    engine: str,
    sets: int | None,
    drain_s: float | None,
    out: Path,
    write_docs: bool,
    keep: bool,
) -> None:
    """Kill, stop and storm every service while instances run; judge by the engine and the sandboxes."""
    setup_logging("chaos", fmt="text", level="INFO")
    logger.disable("tools.sandbox")  # a line per portal request would drown the run's own
    options = Options(
        instances=instances or (SHORT_INSTANCES if short else FULL_INSTANCES),
        seed=seed,
        short=short,
        cluster=cluster,
        engine=engine,
        sets=sets or (1 if short else 2),
        keep=keep,
        out=out if out.is_absolute() else launcher.ROOT / out,
        drain_s=drain_s or (90.0 if short else 300.0),
        command="python -m tools.chaos " + shlex.join(sys.argv[1:]),
    )
    try:
        document = execute(options)
    except (ExchangerError, launcher.LaunchError) as err:
        click.echo(f"chaos run not carried out: {err}", err=True)
        raise SystemExit(2) from None
    click.echo(report.write(Path(document["folder"]), document))
    click.echo(f"report: {document['folder']}/report.md")
    if write_docs:
        report.write_docs(document)
        click.echo(f"docs: {report.DOCS} updated")
    if not document["verdict"]["passed"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
