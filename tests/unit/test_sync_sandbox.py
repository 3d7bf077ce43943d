"""The StormBPMN sandbox: same limit, headers, error bodies and 401 as the real service."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tools.sandbox.stormbpmn import StormSandboxServer, make_server

KEY = "sandbox-key-123"
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sync" / "storm_like.bpmn"


@pytest.fixture
def diagrams(tmp_path: Path) -> Path:
    (tmp_path / "Закупки").mkdir()
    (tmp_path / "Закупки" / "Закупка.bpmn").write_bytes(FIXTURE.read_bytes())
    (tmp_path / "other.bpmn").write_text("<definitions/>")
    return tmp_path


@pytest.fixture
def server(diagrams: Path) -> Iterator[StormSandboxServer]:
    srv = make_server("127.0.0.1", 0, diagrams, KEY, limit=5, window_s=30.0)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(timeout=5)


def get(server: StormSandboxServer, path: str, key: str = KEY, **params) -> requests.Response:
    return requests.get(server.url + path, params=params, headers={"X-Api-Key": key}, timeout=5)


def test_list_and_diagram_by_id(server):
    listing = get(server, "/public-api/v1/get-diagram-list", page=0).json()
    assert listing["totalElements"] == 2 and listing["size"] == 20
    names = {d["name"]: d for d in listing["returnDiagrams"]}
    assert names["Закупка"]["teamFolderName"] == "Закупки"
    assert names["other"]["teamFolderName"] == "Root folder"
    diagram = get(server, "/public-api/v1/get-diagram-by-id", diagramId=names["Закупка"]["id"]).json()
    assert diagram["body"].startswith("<?xml") and diagram["versionNumber"] == 1


def test_wrong_key_is_401_with_a_spring_body(server):
    response = get(server, "/public-api/v1/get-diagram-list", key="wrong", page=0)
    assert response.status_code == 401
    assert set(response.json()) == {"timestamp", "status", "error", "message", "path"}


def test_missing_page_and_unknown_diagram(server):
    assert get(server, "/public-api/v1/get-diagram-list").status_code == 400
    assert get(server, "/public-api/v1/get-diagram-by-id", diagramId="nope").status_code == 404


def test_the_limit_answers_429_and_is_recorded(server):
    statuses = [get(server, "/public-api/v1/get-diagram-list", page=0) for _ in range(6)]
    assert [r.status_code for r in statuses] == [200] * 5 + [429]
    assert statuses[0].headers["X-Rate-Limit-Remaining"] == "4"
    assert int(statuses[5].headers["X-Rate-Limit-Retry-After-Seconds"]) >= 1
    assert statuses[5].json()["message"] == "You have exhausted your API Request Quota"
    assert server.stats.requests == 6 and server.stats.limit_ever_exceeded


def test_editing_the_file_bumps_the_version(server, diagrams):
    def version() -> int:
        items = get(server, "/public-api/v1/get-diagram-list", page=0).json()["returnDiagrams"]
        return next(d["versionNumber"] for d in items if d["name"] == "other")

    assert version() == 1
    (diagrams / "other.bpmn").write_text("<definitions><!-- changed --></definitions>")
    assert version() == 2
    assert version() == 2
    assert not server.stats.limit_ever_exceeded


def test_internal_api_with_bearer_and_assignees(server, diagrams):
    (diagrams / "other.assignees.json").write_text('[{"elementId": "A", "assigneeName": "Анна"}]')
    headers = {"Authorization": f"Bearer {KEY}"}
    listing = requests.get(
        server.url + "/api/v1/diagram/filter", params={"page": 0}, headers=headers, timeout=5
    )
    ident = next(d["id"] for d in listing.json()["content"] if d["name"] == "other")
    one = requests.get(f"{server.url}/api/v1/diagram/{ident}", headers=headers, timeout=5).json()
    assert one["permission"] == "EDIT" and one["diagram"]["body"].startswith("<definitions")
    edges = requests.get(
        f"{server.url}/api/v1/assignee/assigneeedges/{ident}", headers=headers, timeout=5
    ).json()
    assert edges[0]["assigneeName"] == "Анна"
    assert requests.get(server.url + "/api/v1/diagram/filter", timeout=5).status_code == 401
