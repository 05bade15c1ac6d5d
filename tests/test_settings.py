"""Settings: defaults that need no server, and one clear line for an invalid value."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import SettingsError
from bot.settings import Settings, load_settings
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
