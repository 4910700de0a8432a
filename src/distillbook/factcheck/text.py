"""Text matching: item lists compared as sets, quotations found word for word after folding case and punctuation."""

from __future__ import annotations

import re
import unicodedata


def normalise_text(text: str) -> str:
    """Return ``text`` folded for comparison: lower case, curly quotes straightened, 'U.S.' as 'us', no punctuation."""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = re.sub(r"\bu\.s\.", "us", text)
    text = re.sub(r"[^\w\s]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def text_items(text: str) -> frozenset[str]:
    """Return the set of items in ``text`` split on ';' or ',' (and a final 'and'), each normalised and with its
    spaces removed ('S.321' and 'S. 321' are the same item)."""
    parts = re.split(r";|,|\band\b", str(text))
    return frozenset(item for item in (normalise_text(part).replace(" ", "") for part in parts) if item)


def same_text(article_text: str, source_text: str) -> bool:
    """Return True if both texts list the same items, ignoring order, case, spacing and punctuation."""
    return text_items(article_text) == text_items(source_text)


def quote_found(article_quote: str, source_quote: str) -> bool:
    """Return True if the article's quotation appears word for word inside the source's quotation."""
    needle = normalise_text(article_quote)
    return bool(needle) and needle in normalise_text(source_quote)
