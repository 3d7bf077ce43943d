"""Commands on a running instance: pause (suspend), resume (activate), stop (delete with a reason)."""

from __future__ import annotations

import time

from core.camunda import EngineAdmin
from core.errors import CamundaNotFound
from core.operations.audit import known, log_operation
from core.operations.models import OperationDone

STOP_WAIT_S = 10.0
POLL_S = 0.1


def pause(engine: EngineAdmin, instance_id: str, *, actor: str) -> OperationDone:
    """Suspend the instance: its external tasks cannot be fetched, completed or failed meanwhile."""
    return _suspend(engine, instance_id, actor=actor, suspended=True)


def resume(engine: EngineAdmin, instance_id: str, *, actor: str) -> OperationDone:
    """Activate a suspended instance again."""
    return _suspend(engine, instance_id, actor=actor, suspended=False)


def _suspend(engine: EngineAdmin, instance_id: str, *, actor: str, suspended: bool) -> OperationDone:
    operation = "pause" if suspended else "resume"
    with known(f"running process instance {instance_id}"):
        # The engine answers 204 to suspending an id it does not know: ask first.
        engine.get_process_instance(instance_id)
        engine.suspend_process_instance(instance_id, suspended)
    log_operation(operation, actor, instance_id)
    return OperationDone(operation=operation, target=instance_id, actor=actor)


def stop(
    engine: EngineAdmin, instance_id: str, *, actor: str, reason: str, wait_s: float = STOP_WAIT_S
) -> OperationDone:
    """Cancel the instance; its history keeps ``reason`` (state EXTERNALLY_TERMINATED).

    Only the engine's batch deletion records a reason, so this starts a one-instance batch and
    waits up to ``wait_s`` for the instance to be gone (``done=False`` if the job executor is
    slower). The tracker notices the cancellation and closes the instance's work items. The
    reason stays out of the log line (free text may hold personal data); the history has it.
    """
    with known(f"running process instance {instance_id}"):
        engine.get_process_instance(instance_id)
    engine.delete_process_instances_async([instance_id], reason=reason)
    log_operation("stop", actor, instance_id)
    return OperationDone(
        operation="stop", target=instance_id, actor=actor, done=_gone(engine, instance_id, wait_s)
    )


def _gone(engine: EngineAdmin, instance_id: str, wait_s: float) -> bool:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            engine.get_process_instance(instance_id)
        except CamundaNotFound:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_S)
