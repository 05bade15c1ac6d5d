"""The one settings object, read from TRIAGE_* environment variables and an optional .env."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.errors import SettingsError
from knowledge_base import ARTICLES_DIR

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SUPPORTED_DATABASES = ("sqlite", "postgresql")


def default_data_dir() -> Path:
    """The per-user folder for the embedded database."""
    return Path(platformdirs.user_data_dir("triage-desk", appauthor=False))


def default_database_url() -> str:
    """A SQLite file in the per-user data folder."""
    return f"sqlite:///{default_data_dir() / 'triage.db'}"


class Settings(BaseSettings):
    """Everything an operator can set; defaults run on a fresh machine with no server."""

    model_config = SettingsConfigDict(
        env_prefix="TRIAGE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field(default_factory=default_database_url)
    models_dir: Path = PROJECT_ROOT / "models"
    kb_dir: Path = ARTICLES_DIR
    kb_min_score: float = Field(default=0.15, gt=0.0, lt=1.0)
    max_message_chars: int = Field(default=4000, ge=200, le=100_000)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
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

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


def load_settings() -> Settings:
    """The settings, or a :class:`SettingsError` naming the first invalid one."""
    try:
        return Settings()
    except ValidationError as error:
        first = error.errors()[0]
        name = "TRIAGE_" + str(first["loc"][0]).upper() if first["loc"] else "TRIAGE settings"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"invalid setting {name}: {message}") from None
