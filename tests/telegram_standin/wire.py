"""Reading a Bot API call off the wire: query string, JSON, urlencoded or multipart form."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from .records import UploadedFile
from .spec import BotApiSpec

STRING_ONLY = ("String",)


async def read_call(
    request: web.Request, method: str, spec: BotApiSpec
) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """The call's parameters, decoded per the spec's field types, and its file parts."""
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    content_type = request.content_type
    if content_type == "application/json":
        body = await request.read()
        if body:
            decoded = json.loads(body)
            if isinstance(decoded, dict):
                raw.update(decoded)
        return raw, files
    if request.can_read_body:
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                files[name] = UploadedFile(
                    name, value.filename, value.content_type, value.file.read()
                )
            else:
                raw[name] = _decode(spec.field_types(method, name), str(value))
    params = {k: _decode(spec.field_types(method, k), v) for k, v in raw.items()}
    return _attach_files(params, files), files


def _decode(types: tuple[str, ...], value: Any) -> Any:
    """Form values are strings; Telegram reads each per its declared type (JSON for the rest)."""
    if not isinstance(value, str) or types == STRING_ONLY:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _attach_files(params: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, Any]:
    """Put file parts in the parameters they belong to (by name, or by attach://name)."""
    attached = {
        value.removeprefix("attach://")
        for value in params.values()
        if isinstance(value, str) and value.startswith("attach://")
    }
    resolved = {
        key: files.get(value.removeprefix("attach://"), value)
        if isinstance(value, str) and value.startswith("attach://")
        else value
        for key, value in params.items()
    }
    for name, upload in files.items():
        if name not in attached:
            resolved.setdefault(name, upload)
    return resolved
