"""The official Bot API description (api.json) and the conformance checks made against it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPEC_PATH = (
    Path(__file__).resolve().parents[3] / "shared" / "data" / "telegram-bot-api" / "api.json"
)
SPEC_DISPLAY_PATH = "../shared/data/telegram-bot-api/api.json"

_PRIMITIVES = {"Integer", "Float", "String", "Boolean", "True", "InputFile"}


class SpecMissingError(FileNotFoundError):
    """The Bot API description file is not where the stand-in expects it."""


@dataclass(frozen=True)
class Field:
    """One field of a method or type: its name, accepted types and whether it is required."""

    name: str
    types: tuple[str, ...]
    required: bool


class BotApiSpec:
    """Methods and types of the Bot API, with checks of calls and returned objects."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.version: str = document.get("version", "?")
        self.methods = {name: _fields(m) for name, m in document["methods"].items()}
        self.returns = {
            name: tuple(m.get("returns", [])) for name, m in document["methods"].items()
        }
        self.types = {name: _fields(t) for name, t in document["types"].items()}
        self.subtypes = {
            name: tuple(t["subtypes"]) for name, t in document["types"].items() if "subtypes" in t
        }

    @classmethod
    def load(cls, path: Path | None = None) -> BotApiSpec:
        """Read the spec from api.json, or raise SpecMissingError."""
        path = path or SPEC_PATH
        if not path.is_file():
            raise SpecMissingError(
                f"{SPEC_DISPLAY_PATH} is absent: the Bot API stand-in cannot check conformance "
                f"without the official spec (looked at {path})"
            )
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def method_name(self, name: str) -> str | None:
        """The spec's spelling of a method (Telegram matches names case-insensitively)."""
        if name in self.methods:
            return name
        lowered = name.lower()
        return next((m for m in self.methods if m.lower() == lowered), None)

    def field_types(self, method: str, field: str) -> tuple[str, ...]:
        """The types a method's parameter accepts, or () when the parameter is unknown."""
        found = self.methods.get(method, {}).get(field)
        return found.types if found else ()

    def missing_fields(self, method: str, params: dict[str, Any]) -> list[str]:
        """The method's required parameters absent from a call."""
        fields = self.methods.get(method, {})
        return [f.name for f in fields.values() if f.required and f.name not in params]

    def check_call(self, method: str, params: dict[str, Any]) -> list[str]:
        """Problems with a call: unknown method, missing required or unknown fields, bad nesting."""
        fields = self.methods.get(method)
        if fields is None:
            return [f"unknown method {method!r}"]
        problems = [
            f"{method}: required parameter {name!r} is missing"
            for name in self.missing_fields(method, params)
        ]
        for name, value in params.items():
            field = fields.get(name)
            if field is None:
                problems.append(f"{method}: unknown parameter {name!r}")
            elif isinstance(value, dict | list):
                problems += self.check_value(field.types, value, f"{method}.{name}")
        return problems

    def check_result(self, method: str, value: Any) -> list[str]:
        """Problems with what the stand-in returns for a method."""
        return self.check_value(self.returns.get(method, ()), value, f"{method}() result")

    def check_value(self, types: tuple[str, ...], value: Any, where: str) -> list[str]:
        """Problems with a value that must be one of the given spec types (empty when it is)."""
        if not types:
            return []
        best: list[str] | None = None
        for type_expr in types:
            problems = self._check_one(type_expr, value, where)
            if not problems:
                return []
            if best is None or len(problems) < len(best):
                best = problems
        return best or []

    def check_object(self, type_name: str, value: Any, where: str | None = None) -> list[str]:
        """Problems with an object that must be of one spec type."""
        return self._check_one(type_name, value, where or type_name)

    def _check_one(self, type_expr: str, value: Any, where: str) -> list[str]:
        if type_expr.startswith("Array of "):
            if not isinstance(value, list):
                return [f"{where}: expected {type_expr}, got {type(value).__name__}"]
            inner = type_expr.removeprefix("Array of ")
            return [
                p
                for i, item in enumerate(value)
                for p in self._check_one(inner, item, f"{where}[{i}]")
            ]
        if type_expr in _PRIMITIVES:
            return (
                []
                if _is_primitive(type_expr, value)
                else [f"{where}: expected {type_expr}, got {value!r}"]
            )
        if type_expr in self.subtypes:
            return self.check_value(self.subtypes[type_expr], value, where)
        fields = self.types.get(type_expr)
        if fields is None:
            return []  # a type the spec does not describe cannot be checked further
        if not isinstance(value, dict):
            return [f"{where}: expected {type_expr} object, got {type(value).__name__}"]
        problems = [
            f"{where}: {type_expr} lacks required field {f.name!r}"
            for f in fields.values()
            if f.required and f.name not in value
        ]
        for name, item in value.items():
            field = fields.get(name)
            if field is None:
                problems.append(f"{where}: {type_expr} has no field {name!r}")
            else:
                problems += self.check_value(field.types, item, f"{where}.{name}")
        return problems


def _fields(entry: dict[str, Any]) -> dict[str, Field]:
    return {
        f["name"]: Field(f["name"], tuple(f["types"]), bool(f["required"]))
        for f in entry.get("fields", [])
    }


def _is_primitive(type_name: str, value: Any) -> bool:
    if type_name == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_name == "String":
        return isinstance(value, str)
    if type_name == "Boolean":
        return isinstance(value, bool)
    if type_name == "True":
        return value is True
    return True  # InputFile: checked when the upload is read
