"""The operations settings: off by default, and one clear line for an invalid value."""

from __future__ import annotations

import pytest

from bot.errors import SettingsError
from bot.settings import load_settings


def test_the_endpoints_are_off_and_logs_are_text_by_default() -> None:
    settings = load_settings()
    assert (settings.ops_host, settings.ops_port) == ("127.0.0.1", 0)
    assert (settings.log_format, settings.stop_timeout) == ("text", 10.0)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("TRIAGE_OPS_PORT", "metrics", "invalid setting TRIAGE_OPS_PORT: Input should be a valid"),
        ("TRIAGE_OPS_PORT", "70000", "invalid setting TRIAGE_OPS_PORT: Input should be less than"),
        ("TRIAGE_OPS_HOST", "everywhere", "invalid setting TRIAGE_OPS_HOST: must be an IP address"),
        ("TRIAGE_LOG_FORMAT", "xml", "invalid setting TRIAGE_LOG_FORMAT: Input should be 'text'"),
        ("TRIAGE_STOP_TIMEOUT", "0", "invalid setting TRIAGE_STOP_TIMEOUT: Input should be"),
    ],
)
def test_an_invalid_value_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert str(refused.value).startswith(expected)
    assert "\n" not in str(refused.value)


def test_json_and_an_ip_are_read_as_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_LOG_FORMAT", "JSON")
    monkeypatch.setenv("TRIAGE_OPS_HOST", "::1")
    monkeypatch.setenv("TRIAGE_OPS_PORT", "9464")
    settings = load_settings()
    assert (settings.log_format, settings.ops_host, settings.ops_port) == ("json", "::1", 9464)
