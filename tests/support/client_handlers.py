"""A worker module written for camunda-external-task-client-python3, as that library's README shows it.

Nothing here knows Exchanger: the python system runs these functions unchanged through its
``client_handlers`` option (tests/unit/test_python_client_handlers.py,
tests/e2e/test_client_handlers.py), and ``python -m tests.support.client_handlers`` would run
them under the library's own worker.
"""

from camunda.external_task.external_task import ExternalTask, TaskResult
from camunda.external_task.external_task_worker import ExternalTaskWorker

# configuration for the Client
default_config = {
    "maxTasks": 1,
    "lockDuration": 10000,
    "asyncResponseTimeout": 5000,
    "retries": 3,
    "retryTimeout": 5000,
    "sleepSeconds": 30,
}


def handle_task(task: ExternalTask) -> TaskResult:
    """
    This task handler you need to implement with your business logic.
    After completion of business logic call either task.complete() or task.failure() or task.bpmn_error()
    to report status of task to Camunda
    """
    # get the process variable 'score'
    score = task.get_variable("score")
    if int(score) >= 100:
        # pass any output variables you may want to send to Camunda as dictionary to complete()
        return task.complete({"var1": 1, "var2": "value", "limits": {"max": 5000, "tiers": [1, 2]}})
    # this marks task as failed in Camunda
    return task.failure(
        error_message="task failed",
        error_details="failed task details",
        max_retries=3,
        retry_timeout=5000,
    )


def handle_bpmn_error_task(task: ExternalTask) -> TaskResult:
    # Handle a BPMN Failure
    return task.bpmn_error(
        error_code="BPMN_ERROR_CODE",
        error_message="BPMN Error occurred",
        variables={"var1": "value1", "success": False},
    )


if __name__ == "__main__":
    ExternalTaskWorker(worker_id="1", config=default_config).subscribe("topicName", handle_task)
