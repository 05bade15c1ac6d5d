"""Parse modes as Telegram applies them: the text a user sees, or Telegram's parse error."""

from __future__ import annotations

import html
import re

HTML_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
    "tg-emoji", "code", "pre", "blockquote", "tg-time",
}  # fmt: skip
MARKDOWN_V2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)\s*>")


class EntityParseError(ValueError):
    """Telegram would refuse this text: 'Bad Request: can't parse entities: ...'."""


def visible_text(text: str, parse_mode: str | None) -> str:
    """The text Telegram shows for `text` sent with `parse_mode`; raise EntityParseError."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _html(text)
    if mode == "markdownv2":
        return _markdown_v2(text)
    if mode == "markdown":
        return _markdown(text)
    if mode:
        raise EntityParseError(f"Unsupported parse_mode {parse_mode!r}")
    return text


def _offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _html(text: str) -> str:
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        if text[i] != "<":
            j = text.find("<", i)
            j = len(text) if j < 0 else j
            out.append(html.unescape(text[i:j]))
            i = j
            continue
        match = _TAG.match(text, i)
        if match is None:
            raise EntityParseError(f"Unsupported start tag at byte offset {_offset(text, i)}")
        closing, name = match.group(1) == "/", match.group(2).lower()
        if name not in HTML_TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{name}" at byte offset {_offset(text, i)}'
            )
        if closing:
            if not stack or stack[-1] != name:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {_offset(text, i)}, expected "</'
                    f'{stack[-1] if stack else ""}>", found "</{name}>"'
                )
            stack.pop()
        else:
            stack.append(name)
        i = match.end()
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


_V2_MARKERS = ("```", "||", "__", "*", "_", "~", "`")


def _markdown_v2(text: str) -> str:
    out: list[str] = []
    stack: list[tuple[str, int]] = []
    i = 0
    at_line_start = True
    while i < len(text):
        char = text[i]
        if char == "\\":
            if i + 1 >= len(text):
                raise EntityParseError(f"unescaped '\\' at byte offset {_offset(text, i)}")
            out.append(text[i + 1])
            i += 2
            at_line_start = False
            continue
        if char in "`":
            fence = "```" if text.startswith("```", i) else "`"
            end = _find_unescaped(text, fence, i + len(fence))
            if end < 0:
                raise EntityParseError(
                    f"Can't find end of Pre entity at byte offset {_offset(text, i)}"
                )
            body = text[i + len(fence) : end]
            if fence == "```" and "\n" in body:
                first, rest = body.split("\n", 1)
                body = rest if re.fullmatch(r"[\w+-]*", first) else body
            out.append(re.sub(r"\\(.)", r"\1", body))
            i = end + len(fence)
            continue
        marker = next((m for m in _V2_MARKERS if text.startswith(m, i)), None)
        if marker is not None:
            if stack and stack[-1][0] == marker:
                stack.pop()
            else:
                stack.append((marker, i))
            i += len(marker)
            at_line_start = False
            continue
        if char == ">" and at_line_start:
            i += 1
            continue
        if char == "[":
            stack.append(("[", i))
            i += 1
            continue
        if char == "]" and stack and stack[-1][0] == "[":
            stack.pop()
            if not text.startswith("(", i + 1):
                raise EntityParseError(f"'(' expected after ']' at {i}")
            end = _find_unescaped(text, ")", i + 2)
            if end < 0:
                raise EntityParseError("Can't find end of a url")
            i = end + 1
            continue
        if char in MARKDOWN_V2_RESERVED:
            raise EntityParseError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        out.append(char)
        at_line_start = char == "\n"
        i += 1
    if stack:
        marker, start = stack[-1]
        raise EntityParseError(
            f"Can't find end of the entity starting at byte offset {_offset(text, start)}"
        )
    return "".join(out)


def _find_unescaped(text: str, needle: str, start: int) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(needle, i):
            return i
        i += 1
    return -1


def _markdown(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in "_*`[":
            out.append(text[i + 1])
            i += 2
            continue
        if char in "*_`":
            fence = "```" if text.startswith("```", i) else char
            end = text.find(fence, i + len(fence))
            if end < 0:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {_offset(text, i)}"
                )
            out.append(text[i + len(fence) : end])
            i = end + len(fence)
            continue
        if char == "[":
            match = re.compile(r"\[([^\]]*)\]\(([^)]*)\)").match(text, i)
            if match is None:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {_offset(text, i)}"
                )
            out.append(match.group(1))
            i = match.end()
            continue
        out.append(char)
        i += 1
    return "".join(out)
