"""The one settings object, read from TRIAGE_* environment variables and an optional .env."""

from __future__ import annotations

import ipaddress
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

import platformdirs
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.core.incidents import BurstRule
from bot.core.tickets import ServiceLevels
from bot.errors import SettingsError
from knowledge_base import ARTICLES_DIR

SUPPORTED_DATABASES = ("sqlite", "postgresql")
PRIORITIES = ("P1", "P2", "P3", "P4")
TOKEN_SHAPE = re.compile(r"^\d{3,15}:[A-Za-z0-9_-]{5,}$")
WEBHOOK_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
TARGETS_FORM = (
    'write minutes per priority as P1=15,P2=60,P3=240,P4=480 or {"P1": 15, "P2": 60, ...}'
)
TARGET_SEPARATOR = re.compile(r"[,;\s]+")


def default_data_dir() -> Path:
    """The per-user folder for the embedded database and the model registry."""
    return Path(platformdirs.user_data_dir("triage-desk", appauthor=False))


def default_database_url() -> str:
    """A SQLite file in the per-user data folder."""
    return f"sqlite:///{default_data_dir() / 'triage.db'}"


def default_models_dir() -> Path:
    """The model registry in the per-user data folder, never inside the installed package."""
    return default_data_dir() / "models"


def parse_targets(text: str) -> dict[str, int]:
    """Minutes per priority from ``{"P1": 15, ...}`` (JSON) or ``P1=15,P2=60,...``."""
    text = text.strip()
    if text.startswith("{"):
        try:
            targets = json.loads(text)
        except json.JSONDecodeError:
            raise ValueError(f"is not valid JSON; {TARGETS_FORM}") from None
        if not isinstance(targets, dict):
            raise ValueError(TARGETS_FORM)
        return {str(key).strip().upper(): value for key, value in targets.items()}
    parsed: dict[str, int] = {}
    for pair in filter(None, TARGET_SEPARATOR.split(text)):
        priority, equals, minutes = pair.replace(":", "=").partition("=")
        if not equals or not minutes.strip().isdigit():
            raise ValueError(f"cannot read {pair!r}; {TARGETS_FORM}")
        parsed[priority.strip().upper()] = int(minutes)
    return parsed


class Settings(BaseSettings):
    """Everything an operator can set; defaults run on a fresh machine with no server."""

    model_config = SettingsConfigDict(
        env_prefix="TRIAGE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field(default_factory=default_database_url)
    models_dir: Path = Field(default_factory=default_models_dir)
    kb_dir: Path = ARTICLES_DIR
    kb_min_score: float = Field(default=0.18, gt=0.0, lt=1.0)
    max_message_chars: int = Field(default=4000, ge=200, le=100_000)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"
    sla_claim_minutes: Annotated[dict[str, int], NoDecode] = Field(
        default_factory=lambda: {"P1": 15, "P2": 60, "P3": 240, "P4": 480}
    )
    sla_resolve_minutes: Annotated[dict[str, int], NoDecode] = Field(
        default_factory=lambda: {"P1": 240, "P2": 480, "P3": 1440, "P4": 4320}
    )
    silence_limit_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    incident_burst_reports: int = Field(default=5, ge=2, le=1000)  # similar reports that...
    incident_burst_minutes: int = Field(default=15, ge=1, le=24 * 60)  # ...arrive within this
    keep_unmasked_messages: bool = False
    telegram_token: SecretStr | None = None
    telegram_base_url: str | None = None
    telegram_max_send_rate: float = Field(default=30.0, ge=0.0, le=1000.0)  # 0: no limit
    telegram_concurrent_updates: int = Field(default=32, ge=1, le=1024)
    telegram_delivery_interval: float = Field(default=1.0, gt=0.0, le=3600.0)
    telegram_service_level_interval: float = Field(default=60.0, gt=0.0, le=86400.0)
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    log_format: Literal["text", "json"] = "text"
    ops_host: str = "127.0.0.1"  # /healthz, /readyz and /metrics of `triage run`
    ops_port: int = Field(default=0, ge=0, le=65535)  # 0: not served; e.g. 9464
    stop_timeout: float = Field(default=10.0, gt=0.0, le=600.0)  # seconds to drain on SIGTERM

    @field_validator("telegram_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TOKEN_SHAPE.match(value.get_secret_value()):
            raise ValueError("does not look like a bot token from @BotFather (digits:letters)")
        return value

    @field_validator("telegram_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(
                "must be an http:// or https:// URL, e.g. https://api.telegram.org/bot"
            )
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not WEBHOOK_SECRET_SHAPE.match(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        from sqlalchemy.engine import make_url  # here: only reading the settings needs it
        from sqlalchemy.exc import ArgumentError

        try:
            backend = make_url(value).get_backend_name()
        except ArgumentError:
            raise ValueError("is not a database URL such as sqlite:///path/to/triage.db") from None
        if backend not in SUPPORTED_DATABASES:
            raise ValueError(f"must be a sqlite or postgresql URL, not {backend}")
        return value

    @field_validator("kb_dir")
    @classmethod
    def _existing_folder(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError(f"folder {value} does not exist")
        return value

    @field_validator("sla_claim_minutes", "sla_resolve_minutes", mode="before")
    @classmethod
    def _targets_from_text(cls, value: object) -> object:
        return parse_targets(value) if isinstance(value, str) else value

    @field_validator("sla_claim_minutes", "sla_resolve_minutes")
    @classmethod
    def _targets_per_priority(cls, value: dict[str, int]) -> dict[str, int]:
        if set(value) != set(PRIORITIES):
            unknown = sorted(set(value) - set(PRIORITIES))
            if unknown:
                raise ValueError(f"unknown priority {unknown[0]}; {TARGETS_FORM}")
            missing = ", ".join(sorted(set(PRIORITIES) - set(value)))
            raise ValueError(
                f"needs a target for each of P1-P4 (missing {missing}); {TARGETS_FORM}"
            )
        if any(minutes <= 0 for minutes in value.values()):
            raise ValueError("targets must be positive numbers of minutes")
        return value

    def service_levels(self) -> ServiceLevels:
        """The service-level targets as the core uses them."""
        return ServiceLevels.from_minutes(
            self.sla_claim_minutes,
            self.sla_resolve_minutes,
            self.silence_limit_minutes,
            burst=BurstRule(
                self.incident_burst_reports, timedelta(minutes=self.incident_burst_minutes)
            ),
        )

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("ops_host")
    @classmethod
    def _ip_address(cls, value: str) -> str:
        if value == "localhost":
            return value
        try:
            ipaddress.ip_address(value)
        except ValueError:
            raise ValueError("must be an IP address to listen on, e.g. 127.0.0.1") from None
        return value


def load_settings() -> Settings:
    """The settings, or a :class:`SettingsError` naming the first invalid one."""
    try:
        return Settings()
    except ValidationError as error:
        first = error.errors()[0]
        name = "TRIAGE_" + str(first["loc"][0]).upper() if first["loc"] else "TRIAGE settings"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"invalid setting {name}: {message}") from None
