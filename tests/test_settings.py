"""Settings: defaults that need no server, and one clear line for an invalid value."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import SettingsError
from bot.settings import Settings, default_data_dir, load_settings
from knowledge_base import ARTICLES_DIR


def test_defaults_need_no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRIAGE_DATABASE_URL")
    settings = load_settings()
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("triage.db")
    assert settings.kb_dir == ARTICLES_DIR


def test_a_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TRIAGE_KB_MIN_SCORE=0.42\n", encoding="utf-8")
    assert load_settings().kb_min_score == 0.42


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRIAGE_KB_DIR", str(tmp_path))
    monkeypatch.setenv("TRIAGE_MODELS_DIR", str(tmp_path / "models"))
    settings = load_settings()
    assert (settings.kb_dir, settings.models_dir) == (tmp_path, tmp_path / "models")


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("TRIAGE_DATABASE_URL", "mysql://localhost/db", "must be a sqlite or postgresql URL"),
        ("TRIAGE_DATABASE_URL", "not a url", "is not a database URL"),
        ("TRIAGE_KB_DIR", "/no/such/folder", "folder /no/such/folder does not exist"),
        ("TRIAGE_KB_MIN_SCORE", "abc", "valid number"),
        ("TRIAGE_KB_MIN_SCORE", "1.5", "less than 1"),
        ("TRIAGE_LOG_LEVEL", "LOUD", "DEBUG"),
        ("TRIAGE_TELEGRAM_MAX_SEND_RATE", "-1", "greater than or equal to 0"),
        ("TRIAGE_TELEGRAM_MAX_SEND_RATE", "fast", "valid number"),
        ("TRIAGE_TELEGRAM_CONCURRENT_UPDATES", "0", "greater than or equal to 1"),
        ("TRIAGE_TELEGRAM_CONCURRENT_UPDATES", "2.5", "valid integer"),
        ("TRIAGE_TELEGRAM_DELIVERY_INTERVAL", "0", "greater than 0"),
        ("TRIAGE_TELEGRAM_SERVICE_LEVEL_INTERVAL", "-60", "greater than 0"),
    ],
)
def test_an_invalid_setting_names_itself(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value).startswith(f"invalid setting {name}: ")
    assert expected in str(raised.value)


def test_the_command_line_prints_one_line_not_a_traceback(run_triage) -> None:  # type: ignore[no-untyped-def]
    result = run_triage("chat", stdin="hi\n", env={"TRIAGE_KB_MIN_SCORE": "lots"})
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "triage: invalid setting TRIAGE_KB_MIN_SCORE: Input should be a valid number, "
        "unable to parse string as a number"
    ]


def test_an_unreachable_database_is_one_line(run_triage) -> None:  # type: ignore[no-untyped-def]
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
    result = run_triage("db", "upgrade", env={"TRIAGE_DATABASE_URL": url})
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("triage: cannot use the database at TRIAGE_DATABASE_URL: ")


def test_settings_object_accepts_explicit_values(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", kb_dir=tmp_path)
    assert settings.kb_dir == tmp_path


def test_triage_run_refuses_a_bad_telegram_setting_in_one_line(run_triage) -> None:  # type: ignore[no-untyped-def]
    env = {"TRIAGE_TELEGRAM_TOKEN": "123456:abcdefgh", "TRIAGE_TELEGRAM_CONCURRENT_UPDATES": "0"}
    result = run_triage("run", env=env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "triage: invalid setting TRIAGE_TELEGRAM_CONCURRENT_UPDATES: "
        "Input should be greater than or equal to 1"
    ]


def test_the_telegram_door_is_tuned_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli.run_command import telegram_options
    from bot.doors.telegram.application import TelegramOptions

    monkeypatch.setenv("TRIAGE_TELEGRAM_TOKEN", "123456:abcdefgh")
    defaults = telegram_options(load_settings())
    assert defaults == TelegramOptions(token="123456:abcdefgh")  # the same defaults as the door
    for name, value in {
        "MAX_SEND_RATE": "0",
        "CONCURRENT_UPDATES": "8",
        "DELIVERY_INTERVAL": "0.5",
        "SERVICE_LEVEL_INTERVAL": "30",
        "BASE_URL": "http://127.0.0.1:8081/bot",
    }.items():
        monkeypatch.setenv(f"TRIAGE_TELEGRAM_{name}", value)
    tuned = telegram_options(load_settings())
    assert tuned == TelegramOptions(
        token="123456:abcdefgh",
        base_url="http://127.0.0.1:8081/bot",
        max_send_rate=0.0,
        concurrent_updates=8,
        delivery_interval=0.5,
        service_level_interval=30.0,
    )


def test_models_are_kept_in_the_user_data_folder_not_in_the_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import bot
    import classifier

    monkeypatch.delenv("TRIAGE_MODELS_DIR")
    monkeypatch.delenv("TRIAGE_DATABASE_URL")
    settings = load_settings()
    assert settings.models_dir == default_data_dir() / "models"
    assert settings.database_url == f"sqlite:///{default_data_dir() / 'triage.db'}"
    for package in (bot, classifier):
        installed_in = Path(package.__file__ or "").resolve().parent.parent
        assert not settings.models_dir.resolve().is_relative_to(installed_in)


@pytest.mark.parametrize("name", ["TRIAGE_SLA_CLAIM_MINUTES", "TRIAGE_SLA_RESOLVE_MINUTES"])
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("P1=5", "needs a target for each of P1-P4 (missing P2, P3, P4)"),
        ("P1:5", "needs a target for each of P1-P4 (missing P2, P3, P4)"),
        ("P1=5,P2=soon", "cannot read 'P2=soon'"),
        ("{P1: 5}", "is not valid JSON"),
        ("P1=1,P2=2,P3=3,P4=4,P9=9", "unknown priority P9"),
    ],
)
@pytest.mark.parametrize("where", ["environment", ".env"])
def test_a_service_level_target_that_cannot_be_read_names_the_setting_and_its_form(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    name: str,
    value: str,
    expected: str,
    where: str,
) -> None:
    if where == ".env":
        (tmp_path / ".env").write_text(f"{name}={value}\n", encoding="utf-8")
    else:
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value) == (
        f"invalid setting {name}: {expected}; write minutes per priority as "
        'P1=15,P2=60,P3=240,P4=480 or {"P1": 15, "P2": 60, ...}'
    )


@pytest.mark.parametrize(
    "value",
    [
        "P1=5,P2=30,P3=120,P4=600",
        "p1=5; p2=30; p3=120; p4=600",
        "P1:5 P2:30 P3:120 P4:600",
        '{"P1": 5, "P2": 30, "P3": 120, "P4": 600}',
    ],
)
def test_service_level_targets_read_as_json_or_as_pairs(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("TRIAGE_SLA_CLAIM_MINUTES", value)
    assert load_settings().sla_claim_minutes == {"P1": 5, "P2": 30, "P3": 120, "P4": 600}


def test_a_bad_service_level_target_is_one_line_on_the_command_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.cli_in_process import triage

    monkeypatch.setenv("TRIAGE_SLA_CLAIM_MINUTES", "P1=5")
    outcome = triage("sla", "check")
    assert (outcome.status, outcome.stdout) == (2, "")
    [line] = outcome.stderr.splitlines()
    assert line.startswith("triage: invalid setting TRIAGE_SLA_CLAIM_MINUTES: needs a target")
