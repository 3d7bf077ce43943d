"""Splitting py-spy samples by library and by thread for the profile summaries."""

from __future__ import annotations

from tools.bench.profile_shares import OURS, render, shares

POOL = "Thread.run (threading.py:975);_WorkItem.run (concurrent/futures/thread.py:58)"
CONSUMER = "Thread.run (threading.py:975);Consumer._run (/x/core/transport/consumer.py:130)"
LINES = [
    # a complete call: urllib3 under our settle code → engine HTTP, on the pool
    f"{POOL};Settler.settle (/x/task_tracker/settle.py:62);HTTPConnectionPool.urlopen (urllib3/connectionpool.py:700) 6",
    # a log line written while settling: the innermost library is loguru
    f"{POOL};Settler.settle (/x/task_tracker/settle.py:62);Logger._log (loguru/_logger.py:1900) 2",
    # pika decoding a delivery on the consumer thread
    f"{CONSUMER};decode_frame (pika/frame.py:188) 3",
    # our own code with no library below it
    f"{POOL};outcome_of (/x/task_creator/results.py:40) 1",
    # an import at start-up is left out
    "_find_and_load (<frozen importlib._bootstrap>:1176);exec_module (x) 50",
]


def test_samples_go_to_the_innermost_library_and_to_their_thread() -> None:
    libraries, threads, total = shares(LINES)

    assert total == 12
    assert libraries["engine HTTP (core/camunda with libcurl; urllib3, requests)"] == 6
    assert libraries["logging (loguru, redaction, masking)"] == 2
    assert libraries["broker (pika, core/transport)"] == 3
    assert libraries[OURS] == 1
    assert threads == {"handler pool": 9, "consumer thread (deliveries, acks)": 3}


def test_the_summary_lists_shares_heaviest_first() -> None:
    text = render(LINES)

    assert text.index(" 50.0%  engine HTTP") < text.index(" 25.0%  broker") < text.index("by thread:")
    assert " 75.0%  handler pool" in text
    assert render([]) == ""
