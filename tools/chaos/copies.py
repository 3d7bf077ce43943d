"""The chaos run's own copies of the engine, PostgreSQL and RabbitMQ, through ``scripts/services.sh``.

Never the shared services other people's tests use: the copies have a state folder
(``.state/chaos``: pid files, logs, the engine's file database, PostgreSQL's cluster) and ports
of their own, and every stop names them through the same environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from core.errors import ExchangerError
from tools.launcher import ROOT

SERVICES_SH = ROOT / "scripts" / "services.sh"
STATE_DIR = ROOT / ".state" / "chaos"
ENGINE_PORTS = {"camunda": 18080, "operaton": 18081}
POSTGRES_PORT = 55433
# services.sh sets this password when it starts the cluster (its loopback-only default unless set).
POSTGRES_PASSWORD = os.environ.get("POSTGRES_PASSWORD", "exchanger-local")
BROKER_NODE, BROKER_PORT, BROKER_MANAGEMENT_PORT = "exchanger-chaos@localhost", 5680, 15680
#: The cluster's nodes exchanger-chaos-c1..c3 on AMQP 5691-5693 (management +10000, distribution
#: +20000): not the cluster the broker tests start (exchanger-c1..c3 on 5681-5683), which may run.
CLUSTER_PREFIX, CLUSTER_PORT = "exchanger-chaos-c", 5691
SHARED_BROKER_NODE = "rabbit@localhost"
TIMEOUT_S = 300.0


class CopyError(ExchangerError):
    """A service copy could not be started, stopped or asked."""


@dataclass(frozen=True)
class Copies:
    """The copies one chaos run uses: an engine, PostgreSQL, and a broker node or a 3-node cluster."""

    engine: str
    cluster: bool
    state_dir: Path = STATE_DIR

    def env(self) -> dict[str, str]:
        """What services.sh reads to act on the copies and never on the shared services."""
        return {
            "EXCHANGER_STATE_DIR": str(self.state_dir),
            "CAMUNDA_PORT": str(ENGINE_PORTS["camunda"]),
            "OPERATON_PORT": str(ENGINE_PORTS["operaton"]),
            "ENGINE_DB": "file",  # an engine restart keeps its instances, jobs and history
            "POSTGRES_PORT": str(POSTGRES_PORT),
            "POSTGRES_PASSWORD": POSTGRES_PASSWORD,
            "RABBITMQ_NODENAME": BROKER_NODE,
            "RABBITMQ_PORT": str(BROKER_PORT),
            "RABBITMQ_MANAGEMENT_PORT": str(BROKER_MANAGEMENT_PORT),
            "RABBITMQ_CLUSTER_PREFIX": CLUSTER_PREFIX,
            "RABBITMQ_CLUSTER_PORT": str(CLUSTER_PORT),
        }

    @property
    def engine_url(self) -> str:
        return f"http://127.0.0.1:{ENGINE_PORTS[self.engine]}/engine-rest"

    @property
    def ledger_dsn(self) -> str:
        return f"postgresql://exchanger:{POSTGRES_PASSWORD}@127.0.0.1:{POSTGRES_PORT}/exchanger"

    def run(self, *args: str, timeout: float = TIMEOUT_S) -> str:
        """``scripts/services.sh args`` with the copies' environment; its stdout.

        Raises:
            CopyError: it failed; the message holds the end of its output.
        """
        done = subprocess.run(
            [str(SERVICES_SH), *args],
            env={**os.environ, **self.env()},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise CopyError(
                f"services.sh {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}"
            )
        return done.stdout

    # -- broker -------------------------------------------------------------------------

    def start_broker(self) -> str:
        """Start the broker copy (a node, or the cluster); returns the services' RABBITMQ_URL."""
        if self.cluster:
            return _broker_url(self.run("cluster", "start"))
        self.run("start", "rabbitmq")
        return f"amqp://guest:guest@127.0.0.1:{BROKER_PORT}/%2F"

    def stop_broker(self) -> None:
        if self.cluster:
            self.run("cluster", "stop")
        else:
            self._stop_node()

    def stop_node(self, number: int) -> None:
        """Stop one broker node (``number`` of the cluster's 1..3; the single node otherwise)."""
        if self.cluster:
            self.run("cluster", "stop-node", str(number))
        else:
            self._stop_node()

    def start_node(self, number: int) -> None:
        if self.cluster:
            self.run("cluster", "start-node", str(number))
        else:
            self.run("start", "rabbitmq")

    def _stop_node(self) -> None:
        if BROKER_NODE == SHARED_BROKER_NODE:
            raise CopyError("refusing to stop a broker node that is not the chaos run's own copy")
        self.run("stop", "rabbitmq")

    # -- engine and PostgreSQL ----------------------------------------------------------------

    def start_engine(self, *, fresh: bool) -> None:
        """Start the engine copy; ``fresh`` drops its file database first when it is not running."""
        if fresh and not self.engine_running():
            for stale in self.state_dir.joinpath("services").glob(f"{self.engine}-db*"):
                stale.unlink() if stale.is_file() else shutil.rmtree(stale)
        self.run("start", self.engine)

    def engine_running(self) -> bool:
        try:
            self.run("status", self.engine, timeout=30)
        except CopyError:
            return False
        return True

    def stop_engine(self) -> None:
        self.run("stop", self.engine)

    def start_postgres(self) -> None:
        self.run("start", "postgres")

    def stop_postgres(self) -> None:
        self.run("stop", "postgres")

    def stop_all(self) -> None:
        """Stop the copies together; every stop is tried."""
        stops = [self.stop_engine, self.stop_postgres, self.stop_broker]
        with ThreadPoolExecutor(len(stops), thread_name_prefix="chaos-stop") as pool:
            futures = [pool.submit(stop) for stop in stops]
        failures = [str(f.exception()) for f in futures if f.exception() is not None]
        if failures:
            raise CopyError("; ".join(failures))


def _broker_url(output: str) -> str:
    """The ``RABBITMQ_URL=…`` line ``services.sh cluster start`` prints (the nodes, comma-separated)."""
    for line in reversed(output.splitlines()):
        name, sep, value = line.strip().partition("=")
        if sep and name == "RABBITMQ_URL" and value:
            return value
    raise CopyError(f"services.sh cluster start printed no RABBITMQ_URL: {output[-500:]!r}")
