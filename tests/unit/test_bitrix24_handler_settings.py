"""Options of the bitrix24 system: validation, the webhook from the environment, rate shares."""

from __future__ import annotations

import pytest
from loguru import logger

from core.config.loader import load_settings as load_app_settings
from core.errors import ConfigError
from core.redact import redact
from systems.bitrix24 import create_router
from systems.bitrix24.connection import bucket_for, webhook_url
from systems.bitrix24.settings import load_settings
from systems.bitrix24.tracker import Bitrix24Tracker, create_tracker

SECRET = "x9secretwebhookcode"
WEBHOOK = f"https://settings-test.example/rest/1/{SECRET}/"


def test_defaults_match_the_issue() -> None:
    options = load_settings({})
    assert options.webhook_env == "BITRIX24_WEBHOOK_URL"
    assert options.topics.task == "bitrix24.task"
    assert options.tasks.done_statuses == {5}
    assert options.tasks.fields.external_task_id == "UF_CAMUNDA_ID_EXTERNAL_TASK"
    assert options.leads.missing_phone_code == "MISSING_PHONE"


def test_an_unknown_or_bad_key_names_itself_and_the_file() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"tasks": {"lane_user": {"A": 1}}})
    assert caught.value.key == "systems.bitrix24.options.tasks.lane_user"
    assert "config/systems.yaml" in str(caught.value)
    with pytest.raises(ConfigError, match="unknown time zone"):
        load_settings({"tasks": {"timezone": "Mars/Olympus"}})


def test_the_repository_config_is_valid() -> None:
    settings = load_app_settings("config", env={})
    system = settings.systems["bitrix24"]
    assert system.kind == "tracked"
    assert (system.retry.attempts, system.retry.min_delay_ms, system.retry.max_delay_ms) == (3, 2000, 4000)
    assert load_settings(system.options).tasks.lane_users == {"Manager": 2, "Director": 3}


def test_a_missing_webhook_names_the_variable() -> None:
    options = load_settings({"webhook_env": "MY_B24_HOOK"})
    with pytest.raises(ConfigError, match="set the environment variable MY_B24_HOOK"):
        webhook_url(options, environ={})


def test_the_webhook_comes_from_the_environment_and_stays_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BITRIX24_WEBHOOK_URL", WEBHOOK)
    messages: list[str] = []
    sink = logger.add(lambda message: messages.append(str(message)), level="DEBUG")
    try:
        router = create_router({"rate_limit": {"rate": 2.0, "burst": 50}})
    finally:
        logger.remove(sink)
    assert "bitrix24.task" in router.topics
    assert SECRET not in "".join(messages) and "settings-test.example/rest/1/***/" in "".join(messages)
    assert redact(f"failed: {WEBHOOK}") == "failed: https://settings-test.example/rest/1/***/"


def test_a_bad_webhook_url_does_not_quote_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BITRIX24_WEBHOOK_URL", "https://settings-test.example/api/x9secretbad")
    with pytest.raises(ConfigError) as caught:
        create_router({})
    assert "x9secretbad" not in str(caught.value) and "BITRIX24_WEBHOOK_URL" in str(caught.value)


def test_the_tracker_is_built_from_the_same_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_HOOK", "https://tracker-test.example/rest/1/tr4ck3rc0de9x/")
    tracker = create_tracker({"webhook_env": "TRACKER_HOOK", "tasks": {"accept_awaiting_control": True}})
    assert isinstance(tracker, Bitrix24Tracker)
    assert tracker.options.done_statuses == {4, 5}


def test_creator_and_tracker_share_the_portals_bucket() -> None:
    options = load_settings({"rate_limit": {"rate": 5.0, "burst": 250, "tracker_share": 0.2}})
    creator = bucket_for(options, "share.example", "creator")
    tracker = bucket_for(options, "share-tracker.example", "tracker")
    assert (creator.rate, creator.burst) == (4.0, 200)
    assert tracker.rate == pytest.approx(1.0) and tracker.burst == 50
