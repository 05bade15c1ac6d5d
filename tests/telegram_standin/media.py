"""Telegram media objects (PhotoSize, Document, Sticker, Voice) built from stored files."""

from __future__ import annotations

import struct
from typing import Any

from .records import StoredFile
from .state import StandInState

DEFAULT_PHOTO_SIZE = (800, 600)


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG or JPEG image, or a plausible default for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                break
            marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(width), int(height)
            i += 2 + length
    return DEFAULT_PHOTO_SIZE


def _file_fields(stored: StoredFile) -> dict[str, Any]:
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
    }


def photo_sizes(state: StandInState, data: bytes) -> tuple[list[dict[str, Any]], StoredFile]:
    """Store a photo and return its PhotoSize list (one size, the original) and the file."""
    stored = state.store_file(data, "photos", ".jpg", None, "image/jpeg")
    width, height = image_size(data)
    return [{**_file_fields(stored), "width": width, "height": height}], stored


def document(
    state: StandInState, data: bytes, file_name: str | None, mime_type: str | None
) -> tuple[dict[str, Any], StoredFile]:
    """Store a document and return its Document object and the file."""
    suffix = "." + file_name.rsplit(".", 1)[1] if file_name and "." in file_name else ""
    stored = state.store_file(data, "documents", suffix, file_name, mime_type)
    obj = _file_fields(stored)
    if file_name:
        obj["file_name"] = file_name
    if mime_type:
        obj["mime_type"] = mime_type
    return obj, stored


def sticker(state: StandInState, emoji: str, data: bytes) -> dict[str, Any]:
    """Store a static sticker and return its Sticker object."""
    stored = state.store_file(data, "stickers", ".webp", None, "image/webp")
    return {
        **_file_fields(stored),
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": emoji,
    }


def voice(state: StandInState, data: bytes, duration: int) -> dict[str, Any]:
    """Store a voice note and return its Voice object."""
    stored = state.store_file(data, "voice", ".oga", None, "audio/ogg")
    return {**_file_fields(stored), "duration": duration, "mime_type": "audio/ogg"}


def file_object(stored: StoredFile) -> dict[str, Any]:
    """The File object getFile returns."""
    return {**_file_fields(stored), "file_path": stored.file_path}
