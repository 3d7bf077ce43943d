"""Loading config/camunda_sync.yaml with the environment; secrets only from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from camunda_sync.config import load_config
from camunda_sync.errors import SyncConfigError

REPO_CONFIG = Path(__file__).resolve().parents[2] / "config" / "camunda_sync.yaml"


def test_the_shipped_config_loads():
    config = load_config(REPO_CONFIG, env={})
    assert config.stormbpmn.rate_limit.requests == 5
    assert config.converter.default_topic == "bitrix24.task"
    assert config.converter.conditions.yes_words == ("да", "yes")


def test_environment_wins_over_the_file_and_flags_win_over_both():
    env = {
        "CAMUNDA_URL": "http://engine:1/engine-rest",
        "STORMBPMN_API_KEY": "k-123456",
        "CAMUNDA_TENANT_ID": "t1",
    }
    config = load_config(REPO_CONFIG, env=env, overrides={"engine.url": "http://flag/engine-rest"})
    assert config.engine.url == "http://flag/engine-rest"
    assert config.stormbpmn.api_key is not None and config.stormbpmn.api_key.get_secret_value() == "k-123456"
    assert config.deploy.tenant_id == "t1"
    assert "k-123456" not in repr(config)


def test_unknown_key_names_key_and_file(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("converter:\n  histroy_ttl: 5\n")
    with pytest.raises(SyncConfigError) as caught:
        load_config(path, env={})
    assert "converter.histroy_ttl" in str(caught.value) and str(path) in str(caught.value)


def test_secret_in_the_file_is_refused(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("stormbpmn:\n  api_key: abcdef\n")
    with pytest.raises(SyncConfigError, match="STORMBPMN_API_KEY"):
        load_config(path, env={})


def test_invalid_value_and_missing_file(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("stormbpmn:\n  rate_limit:\n    requests: 0\n")
    with pytest.raises(SyncConfigError, match=r"stormbpmn\.rate_limit\.requests"):
        load_config(path, env={})
    with pytest.raises(SyncConfigError, match="does not exist"):
        load_config(tmp_path / "missing.yaml", env={})


def test_a_rule_needs_a_matcher(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("converter:\n  rules:\n    - topic: x\n")
    with pytest.raises(SyncConfigError, match=r"converter\.rules\.0"):
        load_config(path, env={})
