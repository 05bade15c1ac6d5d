"""The knowledge base: Markdown articles, their validation and the retrieval index."""

from pathlib import Path

ARTICLES_DIR = Path(__file__).parent / "articles"
EVAL_QUESTIONS = Path(__file__).parent / "eval" / "questions.csv"
DEFAULT_CATEGORIES = (
    "account",
    "email",
    "network",
    "hardware",
    "printing",
    "software",
    "security",
    "collaboration",
)
