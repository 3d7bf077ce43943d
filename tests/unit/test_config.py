"""Settings: sources and their precedence, strictness, error messages and secrets (no services)."""

from __future__ import annotations

import os
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest

from core.config import AppSettings, RoutingRule, load_settings
from core.config.env import ENV_KEYS, RESERVED_PREFIX
from core.errors import ConfigError
from core.ledger import open_ledger
from core.redact import redact


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def secret(label: str) -> str:
    """A value unique to one test, so global redaction state cannot make a test pass by accident."""
    return f"{label}-{uuid.uuid4().hex}"


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    return folder


@pytest.fixture
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The real environment without any variable the loader reads or refuses."""
    for name in list(os.environ):
        if name in ENV_KEYS or name.startswith(RESERVED_PREFIX):
            monkeypatch.delenv(name)
    return monkeypatch


# -- sources and precedence ---------------------------------------------------------------


def test_without_files_or_variables_every_setting_has_its_default(config_dir: Path) -> None:
    settings = load_settings(config_dir, env={})

    assert settings == AppSettings()
    assert settings.camunda.url == "http://127.0.0.1:8080/engine-rest"
    assert settings.systems == {}
    assert settings.routing == []


@pytest.mark.parametrize(
    ("yaml_value", "env_value", "flag_value", "expected"),
    [
        (None, None, None, 100),
        (10, None, None, 10),
        (10, "20", None, 20),
        (10, "20", 30, 30),
        (None, None, 30, 30),
        (10, None, 30, 30),
    ],
)
def test_a_flag_beats_the_environment_which_beats_yaml_which_beats_the_default(
    config_dir: Path, yaml_value: int | None, env_value: str | None, flag_value: int | None, expected: int
) -> None:
    # Given max_tasks set in some of the sources
    if yaml_value is not None:
        write(config_dir, "exchanger.yaml", f"worker:\n  max_tasks: {yaml_value}\n")
    env = {"WORKER_MAX_TASKS": env_value} if env_value is not None else {}

    # When the settings are loaded
    settings = load_settings(config_dir, env=env, overrides={"worker.max_tasks": flag_value})

    # Then the strongest source wins
    assert settings.worker.max_tasks == expected


def test_an_environment_variable_replaces_one_yaml_value_and_keeps_its_siblings(config_dir: Path) -> None:
    write(
        config_dir,
        "exchanger.yaml",
        """
        camunda:
          url: http://from-yaml:8080/engine-rest
          username: demo-user
        """,
    )

    settings = load_settings(config_dir, env={"CAMUNDA_URL": "http://from-env:8080/engine-rest"})

    assert settings.camunda.url == "http://from-env:8080/engine-rest"
    assert settings.camunda.username == "demo-user"


def test_the_env_file_is_read_and_the_environment_wins_over_it(config_dir: Path, tmp_path: Path) -> None:
    # Given a .env file with two settings, one of which the environment also sets
    env_file = write(
        tmp_path, ".env", "CAMUNDA_URL=http://from-dotenv/engine-rest\nWORKER_ID=dotenv-worker\n"
    )

    # When the settings are loaded with that environment
    settings = load_settings(
        config_dir, env={"CAMUNDA_URL": "http://from-environment/engine-rest"}, env_file=env_file
    )

    # Then the environment wins, and the .env file fills in what the environment lacks
    assert settings.camunda.url == "http://from-environment/engine-rest"
    assert settings.worker.worker_id == "dotenv-worker"


def test_the_env_file_beats_yaml(config_dir: Path, tmp_path: Path) -> None:
    write(config_dir, "exchanger.yaml", "worker:\n  worker_id: yaml-worker\n")
    env_file = write(tmp_path, ".env", "WORKER_ID=dotenv-worker\n")

    settings = load_settings(config_dir, env={}, env_file=env_file)

    assert settings.worker.worker_id == "dotenv-worker"


def test_the_dot_env_of_the_working_directory_is_read_under_the_real_environment(
    tmp_path: Path, clean_environ: pytest.MonkeyPatch
) -> None:
    # Given a .env file in the working directory and the real environment setting one of its keys
    write(tmp_path, ".env", "CAMUNDA_URL=http://from-dotenv/engine-rest\nWORKER_ID=dotenv-worker\n")
    (tmp_path / "config").mkdir()
    clean_environ.chdir(tmp_path)
    clean_environ.setenv("CAMUNDA_URL", "http://from-real-env/engine-rest")

    # When the settings are loaded without an explicit environment
    settings = load_settings()

    # Then the real environment wins and the .env file supplies the rest
    assert settings.camunda.url == "http://from-real-env/engine-rest"
    assert settings.worker.worker_id == "dotenv-worker"


def test_a_named_env_file_that_does_not_exist_is_an_error_naming_it(config_dir: Path, tmp_path: Path) -> None:
    missing = tmp_path / "prod.env"

    with pytest.raises(ConfigError) as caught:
        load_settings(config_dir, env={}, env_file=missing)

    assert str(missing) in str(caught.value)


def test_the_config_folder_can_come_from_the_environment(config_dir: Path) -> None:
    write(config_dir, "exchanger.yaml", "environment: staging\n")

    settings = load_settings(env={"EXCHANGER_CONFIG_DIR": str(config_dir)})

    assert settings.environment == "staging"


def test_a_flag_that_was_not_given_leaves_the_environment_value(config_dir: Path) -> None:
    settings = load_settings(
        config_dir, env={"WORKER_ID": "env-worker"}, overrides={"worker.worker_id": None}
    )

    assert settings.worker.worker_id == "env-worker"


def test_log_level_from_the_environment_is_case_insensitive(config_dir: Path) -> None:
    settings = load_settings(config_dir, env={"LOG_LEVEL": "debug"})

    assert settings.logging.level == "DEBUG"


# -- systems.yaml and routing.yaml ----------------------------------------------------------


def test_systems_and_routing_files_fill_their_sections(config_dir: Path) -> None:
    # Given systems.yaml under "systems:" and routing.yaml under "rules:"
    write(
        config_dir,
        "systems.yaml",
        """
        systems:
          bitrix24:
            kind: tracked
            concurrency: 8
            retry:
              attempts: 5
          dadata: {}
        """,
    )
    write(
        config_dir,
        "routing.yaml",
        """
        rules:
          - topic: "bitrix.*"
            system: bitrix24
          - process: "crm-*"
            tenant: acme
            system: dadata
        """,
    )

    # When loaded
    settings = load_settings(config_dir, env={})

    # Then both sections are typed settings
    assert set(settings.systems) == {"bitrix24", "dadata"}
    assert settings.systems["bitrix24"].kind == "tracked"
    assert settings.systems["bitrix24"].concurrency == 8
    assert settings.systems["bitrix24"].effective_prefetch == 16
    assert settings.systems["bitrix24"].retry.attempts == 5
    assert settings.systems["dadata"].kind == "immediate"
    assert settings.routing == [
        RoutingRule(system="bitrix24", topic="bitrix.*"),
        RoutingRule(system="dadata", process="crm-*", tenant="acme"),
    ]


def test_empty_systems_and_rules_sections_mean_none(config_dir: Path) -> None:
    write(config_dir, "systems.yaml", "systems:\n")
    write(config_dir, "routing.yaml", "rules:\n")

    settings = load_settings(config_dir, env={})

    assert settings.systems == {}
    assert settings.routing == []


@pytest.mark.parametrize(
    ("filename", "text", "wrong_key"),
    [
        ("systems.yaml", "system:\n  dadata: {}\n", "system"),
        ("routing.yaml", "routes:\n  - topic: a\n    system: x\n", "routes"),
        ("routing.yaml", "rules: []\nextra: 1\n", "extra"),
    ],
)
def test_a_wrong_root_key_in_systems_or_routing_is_an_error_naming_key_and_file(
    config_dir: Path, filename: str, text: str, wrong_key: str
) -> None:
    path = write(config_dir, filename, text)

    with pytest.raises(ConfigError) as caught:
        load_settings(config_dir, env={})

    assert repr(wrong_key) in str(caught.value)
    assert str(path) in str(caught.value)
    assert caught.value.key == wrong_key
    assert caught.value.source == str(path)


def test_a_rule_naming_an_undefined_system_is_an_error_naming_the_system_and_the_file(
    config_dir: Path,
) -> None:
    # Given a rule that routes to a system systems.yaml does not define
    write(config_dir, "systems.yaml", "systems:\n  dadata: {}\n")
    routing = write(
        config_dir,
        "routing.yaml",
        "rules:\n  - topic: a\n    system: dadata\n  - topic: b\n    system: bitrix\n",
    )

    # When loaded
    with pytest.raises(ConfigError) as caught:
        load_settings(config_dir, env={})

    # Then the error says which rule, which system and which file
    message = str(caught.value)
    assert "'bitrix'" in message
    assert "rule 2" in message
    assert str(routing) in message
    assert caught.value.source == str(routing)


def test_a_rule_without_any_condition_is_refused(config_dir: Path) -> None:
    write(config_dir, "systems.yaml", "systems:\n  dadata: {}\n")
    routing = write(config_dir, "routing.yaml", "rules:\n  - system: dadata\n")

    with pytest.raises(ConfigError) as caught:
        load_settings(config_dir, env={})

    assert "at least one of" in str(caught.value)
    assert str(routing) in str(caught.value)


def test_a_rule_missing_its_system_names_the_missing_key_and_the_file(config_dir: Path) -> None:
    routing = write(config_dir, "routing.yaml", "rules:\n  - topic: a\n")

    with pytest.raises(ConfigError) as caught:
        load_settings(config_dir, env={})

    assert "missing key" in str(caught.value)
    assert "system" in str(caught.value.key)
    assert str(routing) in str(caught.value)


# -- unknown and invalid keys -----------------------------------------------------------------


def test_the_creators_claim_lease_defaults_to_30_s_and_comes_from_yaml(config_dir: Path) -> None:
    assert load_settings(config_dir, env={}).creator.claim_lease_s == 30.0
    write(config_dir, "exchanger.yaml", "creator:\n  claim_lease_s: 4.5\n")

    assert load_settings(config_dir, env={}).creator.claim_lease_s == 4.5


@pytest.mark.parametrize("lease", ["0", "-1"])
def test_a_claim_lease_that_is_not_positive_is_an_error_naming_the_key(config_dir: Path, lease: str) -> None:
    path = write(config_dir, "exchanger.yaml", f"creator:\n  claim_lease_s: {lease}\n")

    with pytest.raises(ConfigError) as caught:
        load_settings(config_dir, env={})

    assert "creator.claim_lease_s" in str(caught.value) and str(path) in str(caught.value)


def test_an_unknown_top_level_yaml_key_is_an_error_naming_key_and_file(config_dir: Path) -> None:
    path = write(config_dir, "exchanger.yaml", "camunda:\n  url: http://x/engine-rest\nrabit: {}\n")

    with pytest.raises(ConfigError) as caught:
        load_settings(config_dir, env={})

    assert "unknown key 'rabit'" in str(caught.value)
    assert str(path) in str(caught.value)
    assert caught.value.key == "rabit"
    assert caught.value.source == str(path)


def test_an_unknown_nested_key_in_systems_yaml_names_its_full_path_and_the_file(config_dir: Path) -> None:
    path = write(config_dir, "systems.yaml", "systems:\n  dadata:\n    concurency: 3\n")

    with pytest.raises(ConfigError) as caught:
        load_settings(config_dir, env={})

    assert "systems.dadata.concurency" in str(caught.value)
    assert str(path) in str(caught.value)


def test_an_unknown_key_in_a_routing_rule_names_the_routing_file(config_dir: Path) -> None:
    write(config_dir, "systems.yaml", "systems:\n  dadata: {}\n")
    path = write(config_dir, "routing.yaml", "rules:\n  - topic: a\n    system: dadata\n    topik: b\n")

    with pytest.raises(ConfigError) as caught:
        load_settings(config_dir, env={})

    assert "topik" in str(caught.value)
    assert str(path) in str(caught.value)


def test_an_unknown_exchanger_variable_is_an_error_naming_it(config_dir: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(config_dir, env={"EXCHANGER_PREFFIX": "dev."})

    assert "EXCHANGER_PREFFIX" in str(caught.value)
    assert caught.value.key == "EXCHANGER_PREFFIX"


def test_known_exchanger_variables_and_unrelated_variables_are_accepted(config_dir: Path) -> None:
    settings = load_settings(
        config_dir,
        env={
            "EXCHANGER_ENV": "prod",
            "EXCHANGER_PREFIX": "prod.",
            "EXCHANGER_CONFIG_DIR": str(config_dir),
            "HOME": "/root",
            "PATH": "/usr/bin",
        },
    )

    assert settings.environment == "prod"
    assert settings.rabbitmq.prefix == "prod."


def test_an_invalid_value_from_the_environment_names_key_and_variable(config_dir: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(config_dir, env={"WORKER_MAX_TASKS": "lots"})

    assert "worker.max_tasks" in str(caught.value)
    assert "WORKER_MAX_TASKS" in str(caught.value)
    assert caught.value.key == "worker.max_tasks"


def test_an_invalid_value_from_yaml_names_key_and_file(config_dir: Path) -> None:
    path = write(config_dir, "exchanger.yaml", "rabbitmq:\n  queue_type: stream\n")

    with pytest.raises(ConfigError) as caught:
        load_settings(config_dir, env={})

    assert "rabbitmq.queue_type" in str(caught.value)
    assert str(path) in str(caught.value)


def test_an_invalid_value_from_a_flag_names_the_command_line(config_dir: Path) -> None:
    write(config_dir, "exchanger.yaml", "worker:\n  max_tasks: 10\n")

    with pytest.raises(ConfigError) as caught:
        load_settings(config_dir, env={}, overrides={"worker.max_tasks": 0})

    assert "worker.max_tasks" in str(caught.value)
    assert "command line" in str(caught.value)


def test_an_inconsistent_retry_policy_names_the_system_and_file(config_dir: Path) -> None:
    path = write(
        config_dir,
        "systems.yaml",
        "systems:\n  dadata:\n    retry:\n      min_delay_ms: 5000\n      max_delay_ms: 10\n",
    )

    with pytest.raises(ConfigError) as caught:
        load_settings(config_dir, env={})

    assert "systems.dadata.retry" in str(caught.value)
    assert "max_delay_ms" in str(caught.value)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    ("text", "reason"),
    [("camunda: [unclosed\n", "not valid YAML"), ("- just\n- a list\n", "must be a mapping")],
)
def test_a_yaml_file_that_is_not_a_mapping_is_an_error_naming_the_file(
    config_dir: Path, text: str, reason: str
) -> None:
    path = write(config_dir, "exchanger.yaml", text)

    with pytest.raises(ConfigError) as caught:
        load_settings(config_dir, env={})

    assert reason in str(caught.value)
    assert str(path) in str(caught.value)


def test_settings_cannot_be_changed_after_loading(config_dir: Path) -> None:
    settings = load_settings(config_dir, env={})

    with pytest.raises(ValueError, match="frozen"):
        settings.worker.max_tasks = 5  # type: ignore[misc]


# -- secrets -----------------------------------------------------------------------------------


def test_secrets_never_show_in_the_settings_repr_or_str(config_dir: Path) -> None:
    # Given every secret variable set
    password, token, broker_password, db_password = (secret(x) for x in ("pw", "tok", "amqp", "db"))
    env = {
        "CAMUNDA_USERNAME": "demo",
        "CAMUNDA_PASSWORD": password,
        "CAMUNDA_TOKEN": token,
        "RABBITMQ_URL": f"amqps://exchanger:{broker_password}@mq.example:5671/prod",
        "LEDGER_DSN": f"postgresql://ledger:{db_password}@db.example/exchanger",
    }

    # When loaded and printed in every way
    settings = load_settings(config_dir, env=env)
    shown = " ".join(
        [
            repr(settings),
            str(settings),
            repr(settings.camunda),
            repr(settings.camunda.client_settings()),
            str(settings.camunda.client_settings()),
            repr(settings.rabbitmq),
            settings.rabbitmq.display_url(),
            repr(settings.ledger),
        ]
    )

    # Then no secret shows, yet each is still available to the code that needs it
    for value in (password, token, broker_password, db_password):
        assert value not in shown
    assert settings.rabbitmq.display_url() == "amqps://exchanger:***@mq.example:5671/prod"
    assert settings.camunda.client_settings().password == password
    assert settings.camunda.client_settings().token == token
    assert broker_password in settings.rabbitmq.url.get_secret_value()
    assert settings.ledger_dsn() == env["LEDGER_DSN"]


def test_secrets_read_from_the_environment_are_masked_in_any_later_text(config_dir: Path) -> None:
    password, token = secret("pw"), secret("tok")

    load_settings(config_dir, env={"CAMUNDA_PASSWORD": password, "CAMUNDA_TOKEN": token})

    assert redact(f"login failed with {password} and {token}") == "login failed with *** and ***"


def test_a_password_that_looks_like_a_url_is_still_masked_whole(config_dir: Path) -> None:
    password = f"http://{secret('pw')}"

    load_settings(config_dir, env={"CAMUNDA_PASSWORD": password})

    assert redact(f"login with {password}") == "login with ***"


def test_a_url_secret_masks_its_password_everywhere_but_leaves_the_host_readable(config_dir: Path) -> None:
    # Given a broker URL with a password, read from the environment
    broker_password = secret("amqp")
    url = f"amqp://exchanger:{broker_password}@mq.example:5672/prod"
    load_settings(config_dir, env={"RABBITMQ_URL": url})

    # When the URL, or the bare password, shows up in some text later
    text = redact(f"cannot connect to {url}; the broker refused {broker_password}")

    # Then the password is masked both times and the host stays readable for diagnosis
    assert text == "cannot connect to amqp://exchanger:***@mq.example:5672/prod; the broker refused ***"


# -- ledger DSN --------------------------------------------------------------------------------


def test_the_default_ledger_is_an_absolute_sqlite_file_in_the_state_dir(
    config_dir: Path, tmp_path: Path
) -> None:
    # Given only a state directory
    state = tmp_path / "state"
    settings = load_settings(config_dir, env={"EXCHANGER_STATE_DIR": str(state)})

    # When the ledger DSN is asked for
    dsn = settings.ledger_dsn()

    # Then it is an absolute sqlite file inside the state dir that the ledger opens
    assert dsn == f"sqlite:///{state.resolve() / 'ledger.sqlite3'}"
    assert dsn.startswith("sqlite:////")
    ledger = open_ledger(dsn)
    try:
        assert ledger.path == state.resolve() / "ledger.sqlite3"
        assert ledger.path.is_file()
    finally:
        ledger.close()


def test_a_relative_state_dir_still_gives_an_absolute_ledger_path(
    config_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    settings = load_settings(config_dir, env={})

    assert settings.ledger_dsn() == f"sqlite:///{tmp_path.resolve() / '.state' / 'ledger.sqlite3'}"


def test_a_ledger_dsn_setting_replaces_the_default(config_dir: Path) -> None:
    settings = load_settings(config_dir, env={"LEDGER_DSN": "sqlite:////var/lib/exchanger/l.db"})

    assert settings.ledger_dsn() == "sqlite:////var/lib/exchanger/l.db"


def test_every_documented_variable_lands_on_a_real_setting(config_dir: Path) -> None:
    # Given a valid value for each variable the loader knows
    values: dict[str, str] = {
        "EXCHANGER_ENV": "prod",
        "EXCHANGER_STATE_DIR": "/var/lib/exchanger",
        "CAMUNDA_URL": "https://camunda.example/engine-rest",
        "CAMUNDA_USERNAME": "demo",
        "CAMUNDA_PASSWORD": secret("pw"),
        "CAMUNDA_TOKEN": secret("tok"),
        "CAMUNDA_CA_BUNDLE": "/etc/ssl/private-ca.pem",
        "RABBITMQ_URL": f"amqp://u:{secret('amqp')}@mq/%2F",
        "EXCHANGER_PREFIX": "prod.",
        "RABBITMQ_QUEUE_TYPE": "quorum",
        "RABBITMQ_FAILOVER": "random",
        "LEDGER_DSN": "sqlite:////tmp/l.db",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "WARNING",
        "WORKER_ID": "w-1",
        "WORKER_MAX_TASKS": "7",
        "WORKER_ASYNC_RESPONSE_TIMEOUT_MS": "1000",
        "EXCHANGER_API_HOST": "10.0.0.5",
        "EXCHANGER_API_PORT": "9443",
        "EXCHANGER_API_TOKENS": f"ops:operate:{secret('api-token-sixteen')}",
        "EXCHANGER_API_JWT_KEY": secret("jwt"),
        "EXCHANGER_API_JWT_AUDIENCE": "exchanger",
        "EXCHANGER_METRICS_ENABLED": "False",
        "EXCHANGER_METRICS_HOST": "10.0.0.7",
        "EXCHANGER_METRICS_PORT": "9500",
    }
    assert set(values) == set(ENV_KEYS)

    # When loaded
    settings = load_settings(config_dir, env=values)

    # Then each one is visible at its documented path
    dumped: dict[str, Any] = settings.model_dump()
    for name, dotted in ENV_KEYS.items():
        node: Any = dumped
        for part in dotted.split("."):
            node = node[part]
        shown = node.get_secret_value() if hasattr(node, "get_secret_value") else node
        assert str(shown) == values[name], name


def test_values_from_the_env_file_reach_the_process_environment_without_overriding_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a .env with a system secret and a value the real environment also sets
    env_file = tmp_path / ".env"
    env_file.write_text("BITRIX24_WEBHOOK_URL=https://portal/rest/1/abcdef123456/\nLOG_LEVEL=DEBUG\n")
    monkeypatch.setenv("BITRIX24_WEBHOOK_URL", "registered so that teardown removes it")
    monkeypatch.delenv("BITRIX24_WEBHOOK_URL")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")

    # When settings are loaded for the real process
    settings = load_settings(tmp_path / "no-config", env_file=env_file)

    # Then the secret is visible to system packages, and the real environment still wins
    assert os.environ["BITRIX24_WEBHOOK_URL"] == "https://portal/rest/1/abcdef123456/"
    assert os.environ["LOG_LEVEL"] == "WARNING" and settings.logging.level == "WARNING"
