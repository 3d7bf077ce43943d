"""``python -m tools.bench.engine_calls RECORDING.jfr``: where the engine's CPU goes, per REST call.

The engine's cost per task is most of the machine's (docs/performance.md). This reads a Java
Flight Recorder file of the engine's JVM and gives each CPU sample to the outermost REST
resource method on its stack (``ExternalTaskResourceImpl.complete``, ``…fetchAndLock``), and
to the library the sample ran in (H2, MyBatis, the engine, the JDK). The JVM must have been
started with a JFR stack depth deep enough for those frames (``scripts/services.sh`` starts the
local engines with 512); record with the JDK's own tools, around a benchmark round::

    jcmd <engine pid> JFR.start name=bench settings=default filename=/tmp/engine.jfr
    python -m tools.bench --only suite --rounds 1 --engine-url …
    jcmd <engine pid> JFR.stop name=bench

The recording spans everything the engine did meanwhile, the benchmark's own set-up (deploying,
starting instances, deleting the last round's history) included.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import click

from tools.bench.profile_shares import Labels, innermost

OUTSIDE = "outside any REST call (GC, timers, job executor, idle pools)"
#: The engine's libraries, by class-name fragment; the innermost frame that matches names it.
LAYERS: Labels = (
    ("H2 database", ("org.h2.",)),
    ("MyBatis", ("org.apache.ibatis.",)),
    ("engine", (".engine.impl.",)),
    ("REST and JSON (Jersey/RESTEasy, Jackson)", (".engine.rest.", "com.fasterxml.")),
    ("Tomcat", ("org.apache.tomcat.", "org.apache.coyote.")),
)
JDK = "JDK and the rest"
STACK_DEPTH = 512  # jfr print cuts stacks at 5 frames unless told; REST frames sit ~100 deep


def stacks(recording: Path) -> list[list[str]]:
    """Each execution sample's frames, innermost first, as ``package.Class.method``."""
    command = ["jfr", "print", "--json", "--stack-depth", str(STACK_DEPTH), "--events", "jdk.ExecutionSample"]
    try:
        printed = subprocess.run([*command, str(recording)], capture_output=True, text=True, check=True)
    except FileNotFoundError as err:
        raise click.ClickException("`jfr` was not found: it comes with the JDK (Java 17)") from err
    except subprocess.CalledProcessError as err:
        raise click.ClickException(f"jfr could not read {recording}: {err.stderr.strip()}") from err
    return [frames_of(event) for event in json.loads(printed.stdout)["recording"]["events"]]


def frames_of(event: Mapping[str, Any]) -> list[str]:
    trace = event["values"].get("stackTrace") or {}
    return [
        f"{frame['method']['type']['name'].replace('/', '.')}.{frame['method']['name']}"
        for frame in trace.get("frames", [])
    ]


def rest_call(frames: Iterable[str]) -> str:
    """The outermost REST resource method on the stack: the request this sample served."""
    call = OUTSIDE
    for frame in frames:
        class_name = frame.rsplit(".", 1)[0]
        if ".engine.rest." in class_name and class_name.endswith("Impl"):
            call = ".".join(frame.rsplit(".", 2)[-2:])
    return call


def layer(frames: Iterable[str]) -> str:
    return innermost(frames, LAYERS, JDK)


def shares(samples: list[list[str]]) -> tuple[Counter[str], Counter[str]]:
    """Samples per REST call and per layer (empty stacks are left out)."""
    kept = [frames for frames in samples if frames]
    return Counter(rest_call(frames) for frames in kept), Counter(layer(frames) for frames in kept)


def table(title: str, counts: Counter[str], limit: int) -> str:
    total = sum(counts.values()) or 1
    rows = [f"| {name} | {100 * count / total:.1f} % |" for name, count in counts.most_common(limit)]
    return "\n".join([f"| {title} | share of samples |", "|---|---:|", *rows])


@click.command()
@click.argument("recording", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--limit", type=int, default=10, show_default=True, help="rows per table")
def main(recording: Path, limit: int) -> None:
    """Where the engine's CPU samples in RECORDING (a .jfr file) went."""
    by_call, by_layer = shares(stacks(recording))
    click.echo(f"{sum(by_call.values())} samples\n")
    click.echo(table("REST call", by_call, limit) + "\n")
    click.echo(table("layer (innermost)", by_layer, limit))


if __name__ == "__main__":
    main()
