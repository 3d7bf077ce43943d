"""Direct intake on the memory broker: checking, storing, publishing once, and the queue door."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.intake_queue import QueueIntake
from core.config import load_settings
from core.contracts.direct import Submission, parse_submission
from core.errors import IdempotencyConflict, PublishError, SubmissionInvalid
from core.intake import DirectIntake, DirectState, DirectStore, ReplySender, Submitter, TopicCatalog
from core.ledger import SqliteLedger
from core.transport import ERRORS_QUEUE, MemoryBroker, Topology
from core.transport.topology import INTAKE_QUEUE
from systems import registry
from tests.unit.fakes import delivery

REPLIES = "their.replies"
WEBHOOK = "https://intake-unit.example/rest/1/abcdefabcdef1234/"


@dataclasses.dataclass
class Rig:
    broker: MemoryBroker
    store: DirectStore
    ledger: SqliteLedger
    intake: DirectIntake
    door: QueueIntake
    catalog: TopicCatalog

    def queued(self, queue: str) -> list[dict[str, Any]]:
        return [json.loads(body) for body in self.broker.bodies(queue)]


@pytest.fixture
def rig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Rig]:
    monkeypatch.setenv("BITRIX24_WEBHOOK_URL", WEBHOOK)
    (tmp_path / "systems.yaml").write_text(
        json.dumps(
            {
                "systems": {
                    "python": {
                        "kind": "immediate",
                        "options": {"handler_modules": ["tests.support.handlers"]},
                    },
                    "bitrix24": {"kind": "tracked", "options": {"webhook_env": "BITRIX24_WEBHOOK_URL"}},
                }
            }
        )
    )
    settings = load_settings(tmp_path, env={"LEDGER_DSN": f"sqlite:///{tmp_path}/ledger.db"})
    broker = MemoryBroker()
    broker.declare(Topology.for_systems(["python", "bitrix24"]))
    broker.declare_queue(REPLIES)
    store = DirectStore.open(settings.ledger_dsn())
    ledger = SqliteLedger(tmp_path / "ledger.db")
    publisher = broker.publisher()
    catalog = TopicCatalog(settings, registry.create_router)
    intake = DirectIntake(catalog, store, ledger, publisher)
    yield Rig(broker, store, ledger, intake, QueueIntake(intake, ReplySender(publisher), publisher), catalog)
    store.close()
    ledger.close()


def lead(**variables: Any) -> Submission:
    return Submission(system="bitrix24", topic="bitrix24.lead.create", variables=variables)


REST = Submitter("rest", "ops")


def test_a_submission_is_recorded_queued_and_published_once_per_key(rig: Rig) -> None:
    submission = lead(phone="+7 900 000-00-00").model_copy(update={"idempotency_key": "k"})
    record, created = rig.intake.submit(submission, REST)
    again, created_again = rig.intake.submit(submission, REST)
    assert (created, created_again, again.id) == (True, False, record.id)
    assert record.status is DirectState.QUEUED
    (message,) = rig.queued("bitrix24.queue")
    assert (message["origin"], message["task"]["id"], message["task"]["worker_id"]) == (
        "direct",
        record.id,
        "exchanger-direct",
    )
    entry = rig.ledger.get(record.id)
    assert entry is not None and entry.is_direct and entry.system == "bitrix24"


def test_a_key_reused_for_another_submission_is_refused(rig: Rig) -> None:
    rig.intake.submit(lead(phone="1").model_copy(update={"idempotency_key": "k"}), REST)
    with pytest.raises(IdempotencyConflict, match="'k'"):
        rig.intake.submit(lead(phone="2").model_copy(update={"idempotency_key": "k"}), REST)


@pytest.mark.parametrize(
    ("submission", "problems"),
    [
        (
            Submission(system="onec", topic="x"),
            ["system: 'onec' is not configured (configured: bitrix24, python)"],
        ),
        (lead(stage=3), ["variables.phone: required", "variables.stage: expected string, got integer"]),
        (
            Submission(system="bitrix24", topic="bitrix24.lead.move", variables={"bitrix_lead_id": True}),
            ["variables.bitrix_lead_id: expected integer or string, got boolean"],
        ),
    ],
)
def test_every_problem_is_listed_and_nothing_is_stored(
    rig: Rig, submission: Submission, problems: list[str]
) -> None:
    with pytest.raises(SubmissionInvalid) as refused:
        rig.intake.submit(submission, REST)
    assert refused.value.problems == problems
    assert rig.store.page(status=None, system=None, offset=0, limit=10).total == 0


def test_a_record_whose_publish_failed_is_published_by_the_sweep(rig: Rig) -> None:
    rig.broker.purge("bitrix24.queue")
    broken = MemoryBroker()  # a broker without our exchange: the publish fails, as in an outage
    stranded = DirectIntake(rig.catalog, rig.store, rig.ledger, broken.publisher())
    with pytest.raises(PublishError, match="no exchange"):
        stranded.submit(lead(phone="1"), REST)
    (record,) = rig.store.page(status=None, system=None, offset=0, limit=10).items
    assert record.status is DirectState.ACCEPTED
    assert rig.intake.republish_unqueued(older_than_s=0) == 1
    assert rig.store.get(record.id).status is DirectState.QUEUED
    assert [m["task"]["id"] for m in rig.queued("bitrix24.queue")] == [record.id]


def test_retention_forgets_only_final_records_older_than_the_cutoff(rig: Rig) -> None:
    done, _ = rig.intake.submit(lead(phone="1"), REST)
    running, _ = rig.intake.submit(lead(phone="2"), REST)
    assert rig.store.finish(done.id, DirectState.COMPLETED, result={"bitrix_lead_id": 1}, attempts=1)
    assert not rig.store.finish(done.id, DirectState.FAILED, error={"message": "late"})  # final stays final
    assert rig.store.purge_finished_before(time.time() - 60) == 0
    assert rig.store.purge_finished_before(time.time() + 1) == 1
    assert rig.store.find(done.id) is None and rig.store.find(running.id) is not None


# -- the broker door -------------------------------------------------------------------------


def through_queue(
    rig: Rig, body: bytes, *, reply_to: str | None = REPLIES, message_id: str = "m-1"
) -> list[str]:
    item, settled = delivery(body, queue=INTAKE_QUEUE, message_id=message_id)
    rig.door.handle(dataclasses.replace(item, reply_to=reply_to, correlation_id="c-1"))  # keeps its settle
    return settled.how


def test_a_queue_submission_gets_its_record_id_at_once_and_its_message_id_is_the_key(rig: Rig) -> None:
    body = lead(phone="+7 900 000-00-00").to_json()
    assert through_queue(rig, body) == ["ack"]
    assert through_queue(rig, body) == ["ack"]  # redelivered: the same record
    first, second = rig.queued(REPLIES)
    assert first["status"] == "accepted" and first["action"] == "create"
    assert first["id"] == second["id"] and len(rig.queued("bitrix24.queue")) == 1
    assert rig.store.get(first["id"]).correlation_id == "c-1"


def test_a_refused_queue_submission_is_replied_with_every_problem(rig: Rig) -> None:
    assert through_queue(rig, lead(stage=1).to_json()) == ["ack"]
    assert through_queue(rig, b"[]", message_id="m-2") == ["ack"]
    refused, broken = rig.queued(REPLIES)
    assert (refused["status"], refused["id"]) == ("rejected", None)
    assert refused["error"]["problems"] == [
        "variables.phone: required",
        "variables.stage: expected string, got integer",
    ]
    assert broken["status"] == "rejected" and broken["error"]["problems"]
    assert rig.queued(ERRORS_QUEUE) == []


def test_a_refused_submission_with_nowhere_to_reply_goes_to_the_error_queue(rig: Rig) -> None:
    assert through_queue(rig, b"{broken", reply_to=None) == ["ack"]
    (envelope,) = rig.queued(ERRORS_QUEUE)
    assert envelope["source_queue"] == INTAKE_QUEUE and "JSON" in envelope["reason"]


def test_a_submission_parses_only_its_own_schema() -> None:
    with pytest.raises(Exception, match="schema"):
        parse_submission(json.dumps({"schema": "exchanger.task/1", "system": "python", "topic": "t"}))
