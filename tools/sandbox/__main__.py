"""``python -m tools.sandbox``: the Bitrix24, OpenProject, DaData, YandexGPT, SMS Aero, Ozon and
Wildberries sandboxes, and the StormBPMN one when available.

The StormBPMN sandbox (``tools/sandbox/stormbpmn.py``) starts only when it can be imported
and ``--stormbpmn-dir`` names a folder of diagrams.
"""

from __future__ import annotations

import importlib
import signal
import threading
from datetime import datetime
from http.server import HTTPServer
from pathlib import Path
from types import FrameType
from typing import Any

import click
from loguru import logger

from core.logs import setup_logging
from tools.sandbox.bitrix24 import make_server
from tools.sandbox.dadata import make_server as make_dadata_server
from tools.sandbox.openproject import DEFAULT_TOKEN as OPENPROJECT_TOKEN
from tools.sandbox.openproject import make_server as make_openproject_server
from tools.sandbox.ozon import make_server as make_ozon_server
from tools.sandbox.ozon.state import Settings as OzonSettings
from tools.sandbox.smsaero import make_gates
from tools.sandbox.wildberries import make_server as make_wildberries_server
from tools.sandbox.yandexgpt import make_server as make_yandexgpt_server


def _stormbpmn_server(host: str, port: int, diagrams: Path | None, api_key: str) -> HTTPServer | None:
    if diagrams is None:
        logger.info("StormBPMN sandbox skipped: no --stormbpmn-dir")
        return None
    try:
        module: Any = importlib.import_module("tools.sandbox.stormbpmn")
    except ImportError as exc:
        logger.warning("StormBPMN sandbox skipped: {}", exc)
        return None
    server: HTTPServer = module.make_server(host, port, diagrams, api_key)
    return server


def _serve(name: str, server: HTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    logger.info("{} sandbox on http://{}:{}/", name, host, port)
    return thread


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8090, show_default=True, help="Bitrix24 sandbox port.")
@click.option("--webhook-user", default="1", show_default=True, help="User id in the webhook path.")
@click.option(
    "--webhook-code",
    envvar="SANDBOX_BITRIX24_WEBHOOK_CODE",
    default="sandboxsecret",
    show_default=True,
    help="Secret code in the webhook path (env SANDBOX_BITRIX24_WEBHOOK_CODE).",
)
@click.option("--rate", default=2.0, show_default=True, help="Leaky bucket drain, requests per second.")
@click.option("--burst", default=50, show_default=True, help="Leaky bucket size.")
@click.option("--auto-close-after-s", type=float, default=None, help="Close each new task after this delay.")
@click.option("--stormbpmn-port", default=8091, show_default=True, help="StormBPMN sandbox port.")
@click.option(
    "--stormbpmn-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Folder of BPMN diagrams for the StormBPMN sandbox (without it, no StormBPMN sandbox).",
)
@click.option("--dadata-port", default=8092, show_default=True, help="DaData sandbox port.")
@click.option(
    "--stormbpmn-api-key", envvar="SANDBOX_STORMBPMN_API_KEY", default="sandbox-key", show_default=True
)
@click.option("--yandexgpt-port", default=8093, show_default=True, help="YandexGPT sandbox port.")
@click.option("--yandexgpt-folder", default="b1gsandboxfolder", show_default=True, help="Its folder id.")
@click.option(
    "--yandexgpt-api-key", envvar="SANDBOX_YANDEXGPT_API_KEY", default="sandbox-api-key", show_default=True
)
@click.option("--smsaero-ports", default="8094,8095,8096", show_default=True, help="SMS Aero gate ports.")
@click.option(
    "--smsaero-email", envvar="SANDBOX_SMSAERO_EMAIL", default="sandbox@example.com", show_default=True
)
@click.option(
    "--smsaero-api-key", envvar="SANDBOX_SMSAERO_API_KEY", default="sandbox-api-key", show_default=True
)
@click.option("--smsaero-deliver-after-s", type=float, default=1.0, show_default=True)
@click.option("--wildberries-port", default=8098, show_default=True, help="Wildberries sandbox port.")
@click.option(
    "--wb-token",
    envvar="SANDBOX_WB_TOKEN",
    default="sandbox-wb-token",
    show_default=True,
    help="Token of the account main, categories Продвижение + Статистика (env SANDBOX_WB_TOKEN).",
)
@click.option(
    "--wb-time-scale",
    type=float,
    default=1.0,
    show_default=True,
    help="Speeds WB's rate limits up: 60 turns 3 requests a minute into 3 a second.",
)
@click.option(
    "--wb-today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Fix the sandbox's today (default: the real date in Moscow).",
)
@click.option("--wb-page-cap", default=500, show_default=True, help="Statistics rows per response.")
@click.option("--ozon-port", default=8099, show_default=True, help="Ozon Seller API sandbox port.")
@click.option(
    "--ozon-client-id",
    envvar="SANDBOX_OZON_CLIENT_ID",
    default="123456",
    show_default=True,
    help="Its Client-Id.",
)
@click.option("--ozon-api-key", envvar="SANDBOX_OZON_API_KEY", default="sandbox-api-key", show_default=True)
@click.option("--ozon-rate", default=50.0, show_default=True, help="Ozon requests per second per Client-Id.")
@click.option("--openproject-port", default=8097, show_default=True, help="OpenProject sandbox port.")
@click.option(
    "--openproject-token",
    envvar="SANDBOX_OPENPROJECT_TOKEN",
    default=OPENPROJECT_TOKEN,
    show_default=True,
    help="API token it accepts (env SANDBOX_OPENPROJECT_TOKEN).",
)
@click.option(
    "--openproject-rps", type=float, default=20.0, show_default=True, help="Its rate limit, calls per second."
)
@click.option(
    "--openproject-auto-close-after-s",
    type=float,
    default=None,
    help="Close each new work package after this delay.",
)
def main(
    host: str,
    port: int,
    webhook_user: str,
    webhook_code: str,
    rate: float,
    burst: int,
    auto_close_after_s: float | None,
    stormbpmn_port: int,
    stormbpmn_dir: Path | None,
    stormbpmn_api_key: str,
    yandexgpt_port: int,
    yandexgpt_folder: str,
    yandexgpt_api_key: str,
    dadata_port: int,
    smsaero_ports: str,
    smsaero_email: str,
    smsaero_api_key: str,
    smsaero_deliver_after_s: float,
    wildberries_port: int,
    wb_token: str,
    wb_time_scale: float,
    wb_today: datetime | None,
    wb_page_cap: int,
    ozon_port: int,
    ozon_client_id: str,
    ozon_api_key: str,
    ozon_rate: float,
    openproject_port: int,
    openproject_token: str,
    openproject_rps: float,
    openproject_auto_close_after_s: float | None,
) -> None:
    """Run the local imitations of the external systems until Ctrl-C or SIGTERM."""
    setup_logging("sandbox")
    servers: dict[str, HTTPServer] = {
        "Bitrix24": make_server(host, port, webhook_user, webhook_code, rate, burst, auto_close_after_s)
    }
    servers["YandexGPT"] = make_yandexgpt_server(host, yandexgpt_port, yandexgpt_folder, yandexgpt_api_key)
    servers["DaData"] = make_dadata_server(host, dadata_port)  # keys: tools/sandbox/dadata/app.py
    servers["Ozon"] = make_ozon_server(
        host, ozon_port, {ozon_client_id: ozon_api_key}, OzonSettings(rate_limit_rps=ozon_rate)
    )
    servers["OpenProject"] = make_openproject_server(
        host,
        openproject_port,
        openproject_token,
        rate_limit_rps=openproject_rps,
        auto_close_after_s=openproject_auto_close_after_s,
    )
    servers["Wildberries"] = make_wildberries_server(
        host,
        wildberries_port,
        wb_token,
        time_scale=wb_time_scale,
        today=wb_today.date() if wb_today else None,
        page_cap=wb_page_cap,
    )
    storm = _stormbpmn_server(host, stormbpmn_port, stormbpmn_dir, stormbpmn_api_key)
    if storm is not None:
        servers["StormBPMN"] = storm
    ports = tuple(int(port) for port in smsaero_ports.split(","))
    sms_gates = make_gates(host, ports, smsaero_email, smsaero_api_key)
    sms_gates.app.state.auto_deliver_after_s = smsaero_deliver_after_s
    sms_gates.start()
    logger.info("SMS Aero sandbox gates: {}", ", ".join(sms_gates.urls))
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    for name, server in servers.items():
        _serve(name, server)
    bitrix_port = servers["Bitrix24"].server_address[1]
    logger.info(
        "Bitrix24 webhook: http://{}:{}/rest/{}/***/ (code from --webhook-code)",
        host,
        bitrix_port,
        webhook_user,
    )
    stop.wait()
    for server in servers.values():
        server.shutdown()
        server.server_close()
    sms_gates.close()
    logger.info("sandboxes stopped")


if __name__ == "__main__":
    main()
