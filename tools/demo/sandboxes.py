"""The demo's imitations of the external systems, started in this process on free ports."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import HTTPServer

from tools.sandbox.bitrix24.server import SandboxServer as Bitrix24Server
from tools.sandbox.bitrix24.server import make_server as make_bitrix24
from tools.sandbox.dadata import make_server as make_dadata
from tools.sandbox.dadata.app import DEFAULT_KEYS as DADATA_KEYS
from tools.sandbox.openproject import DEFAULT_TOKEN as OPENPROJECT_TOKEN
from tools.sandbox.openproject import make_server as make_openproject
from tools.sandbox.smsaero import make_gates
from tools.sandbox.smsaero.server import Gates
from tools.sandbox.wildberries import make_server as make_wildberries
from tools.sandbox.wildberries.accounts import DEFAULT_TOKEN as WB_TOKEN
from tools.sandbox.yandexgpt import make_server as make_yandexgpt

BITRIX24_RATE = 10.0
WB_TIME_SCALE = 600.0  # the demo runs Wildberries' 3 requests/min as 30/s (sandbox and client alike)
YANDEXGPT_FOLDER = "b1gsandboxfolder"
SANDBOX_KEY = "sandbox-api-key"
SMS_EMAIL = "sandbox@example.com"
UNDELIVERABLE = "79990000013"  # the demo's one number whose SMS never arrives


@dataclass
class Sandboxes:
    bitrix24: Bitrix24Server
    dadata: HTTPServer
    yandexgpt: HTTPServer
    sms: Gates
    openproject: HTTPServer
    wildberries: HTTPServer

    @classmethod
    def start(cls) -> Sandboxes:
        sandboxes = cls(
            make_bitrix24(port=0, rate=BITRIX24_RATE, burst=50),
            make_dadata(),
            make_yandexgpt(folder_id=YANDEXGPT_FOLDER, api_key=SANDBOX_KEY),
            make_gates(email=SMS_EMAIL, api_key=SANDBOX_KEY),
            make_openproject(rate_limit_rps=None),
            make_wildberries(time_scale=WB_TIME_SCALE),
        )
        for name, server in (("bitrix24", sandboxes.bitrix24), ("dadata", sandboxes.dadata)):
            _serve(name, server)
        _serve("yandexgpt", sandboxes.yandexgpt)
        _serve("openproject", sandboxes.openproject)
        _serve("wildberries", sandboxes.wildberries)
        state = sandboxes.sms.app.state
        state.auto_deliver_after_s, state.undeliverable = 0.5, {UNDELIVERABLE}
        sandboxes.sms.start()
        return sandboxes

    def url(self, server: HTTPServer) -> str:
        return f"http://127.0.0.1:{server.server_address[1]}"

    def environment(self) -> dict[str, str]:
        """The credentials the services read, as a real installation's .env would hold them."""
        return {
            "BITRIX24_WEBHOOK_URL": f"{self.url(self.bitrix24)}/rest/1/sandboxsecret/",
            "DADATA_API_KEY": DADATA_KEYS[0],
            "DADATA_SECRET_KEY": DADATA_KEYS[1],
            "YANDEXGPT_FOLDER_ID": YANDEXGPT_FOLDER,
            "YANDEXGPT_API_KEY": SANDBOX_KEY,
            "SMSAERO_EMAIL": SMS_EMAIL,
            "SMSAERO_API_KEY": SANDBOX_KEY,
            "OPENPROJECT_URL": self.url(self.openproject),
            "OPENPROJECT_API_TOKEN": OPENPROJECT_TOKEN,
            "WB_TOKEN_MAIN": WB_TOKEN,
        }

    def stop(self) -> None:
        for server in (self.bitrix24, self.dadata, self.yandexgpt, self.openproject, self.wildberries):
            server.shutdown()
            server.server_close()  # the listening socket too, not only the serving loop
        self.sms.close()


def _serve(name: str, server: HTTPServer) -> None:
    threading.Thread(target=server.serve_forever, name=f"{name}-sandbox", daemon=True).start()
