"""The dashboard's routes and the API's health and metrics routes, in-process without services.

Data (snapshot, stream, who am I) needs a valid token; the page and its assets do not (they
hold no data). Actions need the operate role; the server refuses a read token whatever the
page shows. /metrics and /readyz answer without a token.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from pydantic import SecretStr

from api.app import create_app
from api.auth import Authenticator
from api.context import ApiContext
from api.dashboard.hub import SnapshotHub
from api.dashboard.routes import ASSETS
from core.config import AppSettings
from core.config.models import ApiConfig

OPERATE = "operate-token-0123456789abc"
READ = "read-token-0123456789abcdef"
WRONG = "wrong-token-0123456789abcdef"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client() -> Iterator[TestClient]:
    settings = AppSettings(api=ApiConfig(tokens=SecretStr(f"ops:operate:{OPERATE},viewer:read:{READ}")))
    # The dashboard's routes use the hub only; the run-control routes refuse before they touch the rest.
    context = ApiContext(settings, *cast(Any, [None] * 5))
    hub = SnapshotHub(lambda: '{"counts": {"running": 4}}', 0.05)
    checks = [
        ("engine", lambda: (True, "answers")),
        ("broker", lambda: (False, "not connected (reconnecting)")),
    ]
    with TestClient(create_app(context, Authenticator(settings.api), ready=checks, dashboard=hub)) as started:
        yield started


@pytest.mark.parametrize("path", ["/v1/me", "/v1/dashboard/snapshot", "/v1/dashboard/stream"])
@pytest.mark.parametrize("headers", [{}, bearer(WRONG), {"Authorization": f"Basic {READ}"}])
def test_data_needs_a_valid_token(client: TestClient, path: str, headers: dict[str, str]) -> None:
    answer = client.get(path, headers=headers)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert "running" not in answer.text


def test_a_read_token_sees_the_snapshot_and_who_it_is(client: TestClient) -> None:
    assert client.get("/v1/me", headers=bearer(READ)).json() == {"name": "viewer", "roles": ["read"]}
    assert client.get("/v1/me", headers=bearer(OPERATE)).json() == {
        "name": "ops",
        "roles": ["operate", "read"],
    }
    answer = client.get("/v1/dashboard/snapshot", headers=bearer(READ))
    assert answer.status_code == 200 and answer.json() == {"counts": {"running": 4}}
    assert answer.headers["Cache-Control"] == "no-store"


def test_the_stream_sends_snapshot_events(client: TestClient) -> None:
    with client.stream("GET", "/v1/dashboard/stream", headers=bearer(READ)) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        assert answer.headers["cache-control"] == "no-store"
        lines: list[str] = []
        for line in answer.iter_lines():
            lines.append(line)
            if line.startswith("data:"):
                break
    assert lines[0] == ": connected"
    assert lines[-3:] == ["id: 1", "event: snapshot", 'data: {"counts": {"running": 4}}']


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/incidents/inc-1/retry", None),
        ("/v1/executions/pi-1/pause", None),
        ("/v1/executions/pi-1/resume", None),
        ("/v1/executions/pi-1/stop", {"reason": "wrong order"}),
    ],
)
def test_the_dashboards_actions_need_the_operate_role(client: TestClient, path: str, body: Any) -> None:
    answer = client.post(path, json=body, headers=bearer(READ))
    assert answer.status_code == 403
    assert answer.json()["detail"] == "this call needs the role 'operate'"
    assert client.post(path, json=body).status_code == 401


def test_the_page_and_its_assets_need_no_token_and_load_nothing_from_elsewhere(client: TestClient) -> None:
    page = client.get("/dashboard")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "connect-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "http" not in page.text.replace("http-equiv", "")  # no CDN, no absolute URL of any kind
    for name in ("app.js", "stream.js", "render.js", "dashboard.css", "logo.svg"):
        asset = client.get(f"/dashboard/assets/{name}")
        assert asset.status_code == 200, name
    assert client.get("/dashboard/assets/app.js").headers["content-type"].startswith("text/javascript")
    assert set(ASSETS) >= {"app.js", "api.js", "actions.js", "dom.js", "render.js", "stream.js"}


@pytest.mark.parametrize("name", ["index.html", "..%2F..%2Fapp.py", "missing.js", "routes.py"])
def test_only_the_packaged_assets_are_served(client: TestClient, name: str) -> None:
    assert client.get(f"/dashboard/assets/{name}").status_code == 404


def test_the_scripts_never_put_the_token_in_a_url() -> None:
    for name, path in ASSETS.items():
        text = path.read_text(encoding="utf-8")
        assert "EventSource" not in text.replace("EventSource cannot", ""), name
        assert "?token" not in text and "access_token" not in text, name
    stream = ASSETS["stream.js"].read_text(encoding="utf-8")
    assert "authorization()" in stream and "fetch(this.#url" in stream


def test_readyz_names_the_failing_check_and_metrics_need_no_token(client: TestClient) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {
        "ok": False,
        "checks": {
            "engine": {"ok": True, "detail": "answers"},
            "broker": {"ok": False, "detail": "not connected (reconnecting)"},
        },
    }
    metrics = client.get("/metrics")
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    assert "exchanger_api_requests_total" in metrics.text


def requests_counted(route: str, method: str, status: str) -> float:
    labels = {"route": route, "method": method, "status": status}
    return REGISTRY.get_sample_value("exchanger_api_requests_total", labels) or 0.0


def test_requests_are_counted_by_route_template_never_by_id(client: TestClient) -> None:
    template = "/v1/executions/{instance_id}/pause"
    before = requests_counted(template, "POST", "403")
    unmatched = requests_counted("unmatched", "GET", "404")
    for instance in ("pi-1", "pi-2", "pi-3"):
        client.post(f"/v1/executions/{instance}/pause", headers=bearer(READ))
    client.get("/no/such/path/42")

    assert requests_counted(template, "POST", "403") == before + 3
    assert requests_counted("unmatched", "GET", "404") == unmatched + 1
    exposed = client.get("/metrics").text
    assert "pi-1" not in exposed and "/no/such/path" not in exposed
