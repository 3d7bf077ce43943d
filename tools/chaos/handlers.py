"""The chaos run's handler module, loaded by the python system (``handler_modules``).

Its side effect is a row in a file outside Exchanger (``options.chaos_effects_db``,
:mod:`tools.chaos.effects`). It follows docs/python-handlers.md: a re-run of a task that an
earlier run may have reached (``ctx.resumed``) looks for its effect by the task's id before
acting again. Every call is counted too, so the report shows attempts beside effects.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

from core.actions.context import TaskContext
from core.actions.outcomes import HandlerOutcome, complete
from core.actions.router import TaskRouter
from core.errors import ConfigError
from tools.chaos.bpmn import PYTHON_TOPIC
from tools.chaos.effects import Call, EffectBook


def register(router: TaskRouter, options: Mapping[str, Any]) -> None:
    path = options.get("chaos_effects_db")
    if not path:
        raise ConfigError(
            "the python system needs the option chaos_effects_db (the effects file)", key="chaos_effects_db"
        )
    book = EffectBook(str(path))
    # The work after the effect: the window in which a kill leaves an effect without a stored result.
    work_s = float(options.get("chaos_work_s", 0.2))

    @router.topic(PYTHON_TOPIC)
    def step(ctx: TaskContext) -> HandlerOutcome:
        call = Call(
            task_id=ctx.external_task_id,
            instance_id=ctx.message.process.instance_id,
            activity_id=ctx.message.activity.id,
            attempt=ctx.attempt,
            resumed=ctx.resumed,
            pid=os.getpid(),
        )
        found = ctx.resumed and book.has_effect(call.task_id)
        book.attempt(call, found=found)
        if not found:
            book.effect(call)
            time.sleep(work_s)
        return complete({f"{call.activity_id}_done": True})
