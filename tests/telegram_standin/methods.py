"""The Bot API methods the stand-in serves, each a function of the state and the call."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from . import media
from .formatting import EntityParseError, visible_text
from .records import AnsweredCallback, SentMessage, UploadedFile, WebhookConfig
from .state import ApiError, StandInState

Params = dict[str, Any]
Handler = Callable[[StandInState, Params], Any]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
CHAT_ACTIONS = {
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
}  # fmt: skip
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


def bad_request(description: str) -> ApiError:
    """A 400 answer with Telegram's 'Bad Request: ...' description."""
    return ApiError(400, f"Bad Request: {description}")


def target_chat(state: StandInState, params: Params) -> int:
    """The private chat a call addresses; 400 when unknown, 403 when the user blocked the bot."""
    raw = params.get("chat_id")
    try:
        chat_id = int(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise bad_request("chat not found") from None
    if chat_id not in state.users:
        raise bad_request("chat not found")
    if chat_id in state.blocked:
        raise ApiError(403, "Forbidden: bot was blocked by the user")
    return chat_id


def _visible(text: str, parse_mode: str | None) -> str:
    try:
        return visible_text(text, parse_mode)
    except EntityParseError as error:
        raise bad_request(f"can't parse entities: {error}") from None


def _markup(params: Params) -> dict[str, Any] | None:
    markup = params.get("reply_markup")
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return None
    for row in markup["inline_keyboard"]:
        for button in row:
            if not button.get("text"):
                raise bad_request("text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")
    return markup


def _reply_to(state: StandInState, chat_id: int, params: Params) -> dict[str, Any] | None:
    reply = params.get("reply_parameters")
    if not isinstance(reply, dict):
        reply = (
            {"message_id": params["reply_to_message_id"]}
            if "reply_to_message_id" in params
            else None
        )
    if reply is None:
        return None
    embedded = state.embedded(int(reply.get("chat_id", chat_id)), int(reply["message_id"]))
    if embedded is None and not reply.get("allow_sending_without_reply"):
        raise bad_request("message to be replied not found")
    return embedded


def _send(
    state: StandInState, params: Params, kind: str, raw_text: str | None, **content: Any
) -> dict[str, Any]:
    chat_id = target_chat(state, params)
    parse_mode = params.get("parse_mode")
    markup = _markup(params)
    reply = _reply_to(state, chat_id, params)
    shown = _visible(raw_text, parse_mode) if raw_text is not None else None
    text_key = "text" if kind == "text" else "caption"
    message = state.new_message(
        chat_id,
        state.bot_user,
        **content,
        **{text_key: shown, "reply_to_message": reply, "reply_markup": markup},
    )
    file_obj = content.get("document") or (content.get("photo") or [None])[-1]
    state.sent[(chat_id, message["message_id"])] = SentMessage(
        chat_id=chat_id,
        message_id=message["message_id"],
        kind=kind,
        text=shown,
        raw_text=raw_text,
        parse_mode=parse_mode,
        reply_markup=markup,
        reply_to_message_id=reply["message_id"] if reply else None,
        file_id=file_obj["file_id"] if file_obj else None,
        file_name=file_obj.get("file_name") if file_obj else None,
        raw=message,
    )
    return message


def send_message(state: StandInState, params: Params) -> dict[str, Any]:
    """sendMessage: a text message to a private chat."""
    text = str(params.get("text", ""))
    if not text.strip():
        raise bad_request("message text is empty")
    if len(_visible(text, params.get("parse_mode"))) > MAX_TEXT:
        raise bad_request("message is too long")
    return _send(state, params, "text", text)


def _caption(params: Params) -> str | None:
    caption = params.get("caption")
    if caption is not None and len(_visible(str(caption), params.get("parse_mode"))) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return None if caption is None else str(caption)


def _upload(state: StandInState, value: Any, what: str) -> UploadedFile | str:
    if isinstance(value, UploadedFile):
        if not value.data:
            raise bad_request(f"file must be non-empty ({what})")
        return value
    if isinstance(value, str) and value in state.files:
        return value
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        raise bad_request("failed to get HTTP URL content (the stand-in fetches no URLs)")
    raise bad_request("wrong file identifier/HTTP URL specified")


def send_photo(state: StandInState, params: Params) -> dict[str, Any]:
    """sendPhoto: an uploaded photo or a known file_id."""
    caption = _caption(params)
    upload = _upload(state, params.get("photo"), "photo")
    data = upload.data if isinstance(upload, UploadedFile) else state.files[upload].data
    target_chat(state, params)
    sizes, _ = media.photo_sizes(state, data)
    return _send(state, params, "photo", caption, photo=sizes)


def send_document(state: StandInState, params: Params) -> dict[str, Any]:
    """sendDocument: an uploaded document or a known file_id."""
    caption = _caption(params)
    upload = _upload(state, params.get("document"), "document")
    if isinstance(upload, UploadedFile):
        data, name, mime = upload.data, upload.filename, upload.content_type
    else:
        known = state.files[upload]
        data, name, mime = known.data, known.file_name, known.mime_type
    target_chat(state, params)
    doc, _ = media.document(state, data, name, mime)
    return _send(state, params, "document", caption, document=doc)


def _editable(state: StandInState, params: Params) -> SentMessage:
    if "inline_message_id" in params:
        raise bad_request("inline messages are not supported by the stand-in")
    chat_id = target_chat(state, params)
    key = (chat_id, int(params.get("message_id", 0)))
    if key not in state.sent:
        if key in state.messages:
            raise bad_request("message can't be edited")
        raise bad_request("message to edit not found")
    return state.sent[key]


def _apply_edit(state: StandInState, old: SentMessage, **changes: Any) -> dict[str, Any]:
    new = replace(old, edit_count=old.edit_count + 1, **changes)
    if (new.text, new.reply_markup) == (old.text, old.reply_markup):
        raise ApiError(400, NOT_MODIFIED)
    message = state.messages[(old.chat_id, old.message_id)]
    text_key = "text" if old.kind == "text" else "caption"
    message[text_key] = new.text
    message["edit_date"] = message["date"] + new.edit_count
    message.pop("reply_markup", None)
    if new.reply_markup:
        message["reply_markup"] = new.reply_markup
    state.sent[(old.chat_id, old.message_id)] = replace(new, raw=message)
    return message


def edit_message_text(state: StandInState, params: Params) -> dict[str, Any]:
    """editMessageText: new text (and keyboard) for a message the bot sent."""
    old = _editable(state, params)
    text = str(params.get("text", ""))
    if not text.strip():
        raise bad_request("message text is empty")
    shown = _visible(text, params.get("parse_mode"))
    if len(shown) > MAX_TEXT:
        raise bad_request("MESSAGE_TOO_LONG")
    return _apply_edit(
        state, old, text=shown, raw_text=text, parse_mode=params.get("parse_mode"),
        reply_markup=_markup(params),
    )  # fmt: skip


def edit_message_reply_markup(state: StandInState, params: Params) -> dict[str, Any]:
    """editMessageReplyMarkup: replace or remove the inline keyboard of a bot message."""
    return _apply_edit(state, _editable(state, params), reply_markup=_markup(params))


def answer_callback_query(state: StandInState, params: Params) -> bool:
    """answerCallbackQuery: answer a button press once, within Telegram's limits."""
    press = state.presses.get(str(params.get("callback_query_id")))
    if press is None or press.answered:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = params.get("text")
    if text is not None and len(str(text)) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    press.answered = True
    state.answered_callbacks.append(
        AnsweredCallback(
            callback_query_id=press.query_id,
            user_id=press.user_id,
            message_id=press.message_id,
            data=press.data,
            text=None if text is None else str(text),
            show_alert=bool(params.get("show_alert", False)),
            url=params.get("url"),
            cache_time=params.get("cache_time"),
        )
    )
    return True


def get_file(state: StandInState, params: Params) -> dict[str, Any]:
    """getFile: the File with its download path."""
    stored = state.files.get(str(params.get("file_id")))
    if stored is None:
        raise bad_request("invalid file_id")
    return media.file_object(stored)


def set_webhook(state: StandInState, params: Params) -> bool:
    """setWebhook: deliver updates to a loopback URL (an empty URL removes the webhook)."""
    url = str(params.get("url", ""))
    if not url:
        return delete_webhook(state, params)
    parts = urlsplit(url)
    if parts.hostname not in LOOPBACK_HOSTS or parts.scheme not in ("http", "https"):
        raise bad_request("bad webhook: the stand-in delivers only to loopback http(s) URLs")
    secret = params.get("secret_token")
    if secret is not None and not _valid_secret(str(secret)):
        raise bad_request("secret token contains unallowed characters")
    if params.get("drop_pending_updates"):
        state.pending_updates.clear()
    state.webhook = WebhookConfig(
        url=url,
        secret_token=None if secret is None else str(secret),
        max_connections=int(params.get("max_connections", 40)),
        allowed_updates=params.get("allowed_updates"),
        ip_address=params.get("ip_address"),
    )
    return True


def _valid_secret(secret: str) -> bool:
    return 1 <= len(secret) <= 256 and all(
        c.isascii() and (c.isalnum() or c in "_-") for c in secret
    )


def delete_webhook(state: StandInState, params: Params) -> bool:
    """deleteWebhook: back to getUpdates, optionally dropping pending updates."""
    state.webhook = None
    if params.get("drop_pending_updates"):
        state.pending_updates.clear()
    return True


def get_webhook_info(state: StandInState, params: Params) -> dict[str, Any]:
    """getWebhookInfo: the webhook set, if any, and how many updates wait."""
    info: dict[str, Any] = {
        "url": "",
        "has_custom_certificate": False,
        "pending_update_count": len(state.pending_updates),
    }
    hook = state.webhook
    if hook is not None:
        info.update(url=hook.url, max_connections=hook.max_connections)
        optional = {
            "ip_address": hook.ip_address,
            "allowed_updates": hook.allowed_updates,
            "last_error_date": hook.last_error_date,
            "last_error_message": hook.last_error_message,
        }
        info.update({k: v for k, v in optional.items() if v is not None})
    return info


def _scope_key(params: Params) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")


def set_my_commands(state: StandInState, params: Params) -> bool:
    """setMyCommands: the command menu for a scope and language."""
    commands = params.get("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("BOT_COMMANDS_TOO_MUCH" if commands else "commands are empty")
    for command in commands:
        name, description = str(command.get("command", "")), str(command.get("description", ""))
        valid_name = 1 <= len(name) <= 32 and all(
            c.islower() or c.isdigit() or c == "_" for c in name
        )
        if not valid_name or not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_INVALID")
    state.commands[_scope_key(params)] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    return True


def get_my_commands(state: StandInState, params: Params) -> list[dict[str, str]]:
    """getMyCommands: the command menu for a scope and language."""
    return list(state.commands.get(_scope_key(params), []))


def delete_my_commands(state: StandInState, params: Params) -> bool:
    """deleteMyCommands: remove the command menu for a scope and language."""
    state.commands.pop(_scope_key(params), None)
    return True


def send_chat_action(state: StandInState, params: Params) -> bool:
    """sendChatAction: 'typing…' and the like, recorded."""
    chat_id = target_chat(state, params)
    action = str(params.get("action", ""))
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    state.chat_actions.append((chat_id, action))
    return True


def get_me(state: StandInState, params: Params) -> dict[str, Any]:
    """getMe: the bot's own User."""
    return {
        **state.bot_user,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


HANDLERS: dict[str, Handler] = {
    "getMe": get_me,
    "sendMessage": send_message,
    "editMessageText": edit_message_text,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "answerCallbackQuery": answer_callback_query,
    "sendPhoto": send_photo,
    "sendDocument": send_document,
    "getFile": get_file,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "sendChatAction": send_chat_action,
}
