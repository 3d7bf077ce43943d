"""The engine's CPU samples given to the REST call and the layer they ran in."""

from __future__ import annotations

from collections import Counter

from tools.bench.engine_calls import OUTSIDE, frames_of, rest_call, shares, table

COMPLETE = [  # innermost first, as jfr prints them
    "org.h2.mvstore.Page.binarySearch",
    "org.apache.ibatis.executor.SimpleExecutor.doUpdate",
    "org.camunda.bpm.engine.impl.db.sql.DbSqlSession.flush",
    "org.camunda.bpm.engine.rest.sub.externaltask.impl.ExternalTaskResourceImpl.complete",
    "org.camunda.bpm.engine.rest.impl.DefaultProcessEngineRestServiceImpl.getExternalTaskRestService",
    "org.apache.tomcat.util.net.NioEndpoint$SocketProcessor.doRun",
]
FETCH = [
    "java.util.HashMap.getNode",
    "org.camunda.bpm.engine.impl.cmd.FetchExternalTasksCmd.execute",
    "org.camunda.bpm.engine.rest.impl.ExternalTaskRestServiceImpl.fetchAndLock",
    "org.apache.coyote.AbstractProtocol$ConnectionHandler.process",
]
GC = ["java.lang.ref.Reference.processPendingReferences"]


def test_a_sample_belongs_to_the_outermost_rest_resource_method_on_its_stack() -> None:
    assert rest_call(COMPLETE) == "DefaultProcessEngineRestServiceImpl.getExternalTaskRestService"
    assert rest_call(COMPLETE[:-2]) == "ExternalTaskResourceImpl.complete"
    assert rest_call(FETCH) == "ExternalTaskRestServiceImpl.fetchAndLock"
    assert rest_call(GC) == OUTSIDE


def test_samples_are_counted_per_call_and_per_innermost_known_layer() -> None:
    by_call, by_layer = shares([COMPLETE[:-2], COMPLETE[:-2], FETCH, GC, []])

    assert by_call == Counter(
        {"ExternalTaskResourceImpl.complete": 2, "ExternalTaskRestServiceImpl.fetchAndLock": 1, OUTSIDE: 1}
    )
    assert by_layer == Counter({"H2 database": 2, "engine": 1, "JDK and the rest": 1})
    assert table("REST call", by_call, 2).splitlines()[2:] == [
        "| ExternalTaskResourceImpl.complete | 50.0 % |",
        "| ExternalTaskRestServiceImpl.fetchAndLock | 25.0 % |",
    ]


def test_frames_are_read_from_jfr_json_with_slashes_made_dots() -> None:
    event = {
        "values": {
            "stackTrace": {
                "frames": [
                    {"method": {"type": {"name": "org/h2/mvstore/Page"}, "name": "binarySearch"}},
                    {"method": {"type": {"name": "java/lang/Thread"}, "name": "run"}},
                ]
            }
        }
    }

    assert frames_of(event) == ["org.h2.mvstore.Page.binarySearch", "java.lang.Thread.run"]
    assert frames_of({"values": {"stackTrace": None}}) == []
