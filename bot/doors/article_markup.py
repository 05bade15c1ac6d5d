"""Knowledge-base articles' Markdown as each door shows it, read by one Markdown parser.

The core hands doors an article's Markdown as it is written (bold, italic, code, links,
lists); markdown-it-py reads it, and a :class:`MarkupStyle` per door says how each element
looks there: Telegram's HTML tags, or clean terminal text. Chat apps have no list markup,
so every door writes lists as numbered or bulleted lines. Raw HTML in an article is text.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Protocol

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

BULLET = "•"
LINK_SCHEMES = ("http://", "https://", "mailto:", "tg://")


class MarkupStyle(Protocol):
    """How one door shows each kind of Markdown element."""

    def text(self, text: str) -> str:
        """Words as they are (escaped, where the door needs it)."""
        ...

    def bold(self, inner: str) -> str: ...

    def italic(self, inner: str) -> str: ...

    def strike(self, inner: str) -> str: ...

    def code(self, text: str) -> str:
        """A short piece of code or a name to type, inside a line."""
        ...

    def link(self, inner: str, href: str) -> str:
        """Linked words; ``href`` is one of the :data:`LINK_SCHEMES`."""
        ...

    def code_block(self, text: str, language: str) -> str:
        """Lines of code, shown as they are."""
        ...

    def quote(self, inner: str) -> str: ...


@cache
def _parser() -> MarkdownIt:
    """CommonMark with ~~strikethrough~~, raw HTML read as text; built once, on first use."""
    return MarkdownIt("commonmark", {"html": False}).enable("strikethrough")


def render_markdown(source: str, style: MarkupStyle) -> str:
    """``source`` in ``style``: blocks one blank line apart, list items one per line."""
    tree = SyntaxTreeNode(_parser().parse(source))
    return _Renderer(style).blocks(tree.children).strip("\n")


class _Renderer:
    def __init__(self, style: MarkupStyle) -> None:
        self._style = style
        self._blocks: dict[str, Callable[[SyntaxTreeNode], str]] = {
            "paragraph": lambda node: self.inline(node.children),
            "heading": lambda node: style.bold(self.inline(node.children)),
            "bullet_list": self._list,
            "ordered_list": self._list,
            "fence": self._code_block,
            "code_block": self._code_block,
            "blockquote": lambda node: style.quote(self.blocks(node.children)),
            "hr": lambda node: style.text("———"),
        }

    def blocks(self, nodes: list[SyntaxTreeNode], separator: str = "\n\n") -> str:
        """Block elements one after another."""
        rendered = (self.block(node) for node in nodes)
        return separator.join(text for text in rendered if text)

    def block(self, node: SyntaxTreeNode) -> str:
        """One block element (a paragraph, a list, a code block...)."""
        if node.type == "inline":
            return self.inline(node.children)
        render = self._blocks.get(node.type)
        if render is None:  # a block this parser setup never makes: keep its words
            return self.blocks(node.children)
        return render(node)

    def _list(self, node: SyntaxTreeNode) -> str:
        ordered = node.type == "ordered_list"
        start = int(str(node.attrs.get("start", 1))) if ordered else 1
        lines = []
        for number, item in enumerate(node.children, start=start):
            marker = f"{number}." if ordered else BULLET
            body = self.blocks(item.children, separator="\n")
            indent = " " * (len(marker) + 1)
            lines.append(f"{self._style.text(marker)} " + body.replace("\n", "\n" + indent))
        return "\n".join(lines)

    def _code_block(self, node: SyntaxTreeNode) -> str:
        language = node.info.split()[0] if node.info.strip() else ""
        return self._style.code_block(node.content.rstrip("\n"), language)

    def inline(self, nodes: list[SyntaxTreeNode]) -> str:
        """Inline elements (words, emphasis, code, links) one after another."""
        return "".join(self._inline(node) for node in nodes)

    def _inline(self, node: SyntaxTreeNode) -> str:
        style = self._style
        kind = node.type
        if kind == "text":
            return style.text(node.content)
        if kind == "softbreak":
            return " "
        if kind == "hardbreak":
            return "\n"
        if kind == "code_inline":
            return style.code(node.content)
        inner = self.inline(node.children)
        if kind == "strong":
            return style.bold(inner)
        if kind == "em":
            return style.italic(inner)
        if kind == "s":
            return style.strike(inner)
        if kind in ("link", "image"):
            href = str(node.attrs.get("href") or node.attrs.get("src") or "")
            if kind == "image":
                inner = style.text(node.content) or style.text(href)
            return style.link(inner, href) if href.startswith(LINK_SCHEMES) else inner
        return inner
