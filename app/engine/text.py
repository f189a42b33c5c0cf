"""Text of an article: HTML to clean text, its language, its sentences.

Everything here must survive whatever a feed sends (broken HTML, binary junk,
megabytes of run-on text) without raising and in time linear in the input: a
hostile feed must not be able to stall ingest.

- :func:`html_to_text` uses the standard library's ``html.parser``, behind a
  linear pre-pass that rewrites the input into well-formed tags (see
  :func:`_sanitize_markup` for why).
- :func:`detect_language` uses ``py3langid`` (its model ships in the wheel).
- :func:`split_sentences` uses ``sentencex`` (language-aware abbreviation rules).
"""

from __future__ import annotations

import functools
import html
import logging
import re
from html.parser import HTMLParser

import sentencex

__all__ = [
    "dense_script_share",
    "detect_language",
    "html_to_text",
    "letter_count",
    "split_sentences",
]

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- HTML

# Their content is never readable text.
_SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "iframe", "template", "svg", "math", "object", "canvas"}
)
# Tags that end a paragraph (or a list item, a table row...): each becomes a blank line.
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "caption", "center", "dd", "details",
        "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "li", "main", "nav",
        "ol", "p", "pre", "section", "summary", "table", "tbody", "tfoot", "thead", "title",
        "tr", "ul",
    }
)
_CELL_TAGS = frozenset({"td", "th"})
_PARAGRAPH = "\n\n"

# Comments are removed before parsing; an unclosed one runs to the end, as in browsers.
# The lazy scan stops at the first "-->" (or the end), so the whole sub is one pass.
_COMMENT_RE = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_CDATA_RE = re.compile(r"<!\[CDATA\[(.*?)(?:\]\]>|\Z)", re.DOTALL)
# One tag. Every alternative excludes "<", so a failed attempt at one "<" scans at most
# up to the next "<": the tokenizer is linear whatever the input.
_TAG_RE = re.compile(
    r"""<(/?)([A-Za-z][A-Za-z0-9:_-]*)(?:[^<>"']|"[^"<]*"|'[^'<]*')*>"""
)
_LOOKS_LIKE_MARKUP_RE = re.compile(r"<[A-Za-z!/?]")
_OTHER_MARKUP_RE = re.compile(r"<[!?][^<>]*>")  # doctype, other declarations, PIs

# Control characters (but tab and newline), lone surrogates (from undecodable bytes),
# zero-width characters and the soft hyphen: invisible, and they break matching.
_JUNK_RE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u00ad\u200b-\u200d\u2060\ufeff]"
)
_SPACES_RE = re.compile(r"[^\S\n]+")  # any whitespace except the newline
_ANY_WHITESPACE_RE = re.compile(r"\s+")
_BLANK_LINES_RE = re.compile(r"\n{3,}")


def _sanitize_markup(markup: str) -> str:
    """Rewrite *markup* so that ``html.parser`` reads it in linear time.

    ``html.parser`` is quadratic (minutes for 1 MB) on inputs such as ``'<a "' * n``
    or ``'<p a=">"' * n``: it rescans incomplete constructs at every ``<``. We only
    need tag names, so every tag is rewritten to a bare ``<name>``/``</name>``,
    comments and declarations are dropped, CDATA sections become text, and any
    other ``<`` becomes ``&lt;``.
    """
    markup = _COMMENT_RE.sub(" ", markup)
    markup = _CDATA_RE.sub(lambda m: html.escape(m.group(1), quote=False), markup)
    markup = _OTHER_MARKUP_RE.sub(" ", markup)
    out: list[str] = []
    pos = 0
    for match in _TAG_RE.finditer(markup):
        out.append(markup[pos : match.start()].replace("<", "&lt;"))
        self_closing = "/" if match.group(0).endswith("/>") and not match.group(1) else ""
        out.append(f"<{match.group(1)}{match.group(2).lower()}{self_closing}>")
        pos = match.end()
    out.append(markup[pos:].replace("<", "&lt;"))
    return "".join(out)


class _TextCollector(HTMLParser):
    """Collects readable text, marking block boundaries with newlines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip: dict[str, int] = {}  # open skipped tags, by name
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip[tag] = self._skip.get(tag, 0) + 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK_TAGS:
            self.parts.append(_PARAGRAPH)
            if tag == "pre":
                self._pre += 1
        elif tag in _CELL_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            if self._skip.get(tag):
                self._skip[tag] -= 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(_PARAGRAPH)
            if tag == "pre" and self._pre:
                self._pre -= 1
        elif tag in _CELL_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if any(self._skip.values()):
            return
        # Outside <pre>, a newline in the source is just a space (HTML rendering rules).
        self.parts.append(data if self._pre else _ANY_WHITESPACE_RE.sub(" ", data))


def _tidy(text: str) -> str:
    """Normalise whitespace: single spaces within lines, at most one blank line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _JUNK_RE.sub("", text)
    lines = [_SPACES_RE.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES_RE.sub("\n\n", "\n".join(lines)).strip()


def html_to_text(markup: str) -> str:
    """Turn HTML (or plain text) into clean readable text.

    Scripts, styles, frames and comments are dropped; paragraphs, headings, list
    items and table rows become paragraphs (separated by a blank line), ``<br>`` a
    line break; entities are decoded; whitespace is collapsed within lines. Input
    without markup keeps its own line breaks. Never raises, and runs in time linear
    in the input (about a second for 1 MB of dense tags).

    Parameters
    ----------
    markup : str
        An HTML fragment or page, or plain text.

    Returns
    -------
    str
        The readable text; ``""`` when there is none.

    Examples
    --------
    >>> html_to_text("<p>Hello&nbsp;<b>world</b></p><script>x()</script><p>Bye</p>")
    'Hello world\\n\\nBye'
    """
    if not markup:
        return ""
    if not isinstance(markup, str):  # be forgiving with bytes from a careless caller
        markup = bytes(markup).decode("utf-8", errors="replace")
    if not _LOOKS_LIKE_MARKUP_RE.search(markup):
        return _tidy(html.unescape(markup))
    collector = _TextCollector()
    try:
        collector.feed(_sanitize_markup(markup))
        collector.close()
        text = "".join(collector.parts)
    except Exception:  # html.parser is lenient, but garbage must never stop ingest
        log.warning("html.parser failed; falling back to stripping tags", exc_info=True)
        text = html.unescape(_TAG_RE.sub("\n\n", _COMMENT_RE.sub(" ", markup)))
    return _tidy(text)


# ---------------------------------------------------------------------- language

#: Below this probability (normalised over all languages) the language is unknown.
MIN_LANGUAGE_CONFIDENCE = 0.5
# Fewer letters than this carry too little signal (a dense-script character counts 3).
_MIN_LETTERS = 8
# Language id is decided by the opening of a text; longer only costs time.
_MAX_DETECT_CHARS = 3000
# py3langid's regional varieties folded into the language a reader would name;
# their probabilities are summed (Chinese text is often split between zh and wuu).
_FOLD_VARIETIES = {
    "wuu": "zh", "yue": "zh", "ary": "ar", "arz": "ar", "uzs": "uz", "gug": "gn",
    "sdh": "ku", "hbo": "he", "grc": "el",
}
_NOT_A_LANGUAGE = frozenset({"zxx", "und"})
_URLISH_RE = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+|[@#]\w+", re.IGNORECASE)
# Han, kana, Hangul: a character carries about a word's worth of meaning, and
# words are not separated by spaces (Hangul is, but its syllables are as dense).
_LETTER_RE = re.compile(r"[^\W\d_]")
_DENSE_SCRIPT_RE = re.compile(
    "[\u1100-\u11ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3130-\u318f\u31a0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f]"
)


@functools.cache
def _identifier():  # -> py3langid.langid.LanguageIdentifier
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    log.debug("loading the py3langid model")
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def letter_count(text: str) -> int:
    """How many letters *text* holds, in any script (counted by the regex engine: this runs on
    every sentence of every article)."""
    return len(_LETTER_RE.findall(text))


def dense_script_share(text: str) -> float:
    """Share of the letters of *text* written in a dense script (Han, kana, Hangul).

    Such scripts say in one character what others say in three or four, so
    character-count thresholds must be lower for them.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    float
        From 0.0 (no letters, or none dense) to 1.0.

    Examples
    --------
    >>> dense_script_share("经济正在增长")
    1.0
    """
    letters = letter_count(text)
    if not letters:
        return 0.0
    return len(_DENSE_SCRIPT_RE.findall(text)) / letters


def detect_language(text: str, *, min_confidence: float = MIN_LANGUAGE_CONFIDENCE) -> str | None:
    """Guess the language of *text*.

    Only the first few thousand characters are read; URLs, addresses, handles and
    hashtags are ignored. The model is loaded once, on first use.

    Parameters
    ----------
    text : str
        Clean text (see :func:`html_to_text`).
    min_confidence : float
        Below this probability the answer is ``None``. Single short sentences of
        close languages (ru/bg/mk, es/gl) fall under 0.5; paragraphs rarely do.

    Returns
    -------
    str or None
        An ISO 639-1 code (``"en"``, ``"de"``, ``"zh"``...), or the ISO 639-3 code for
        the few languages the model knows that have no 639-1 code (``"pcm"``...);
        ``None`` for empty, too short, non-linguistic (digits, URLs, emoji) or
        ambiguous text.

    Examples
    --------
    >>> detect_language("Der Präsident sagte, die Wirtschaft wachse weiter.")
    'de'
    """
    if not text:
        return None
    sample = _JUNK_RE.sub("", _URLISH_RE.sub(" ", text[:_MAX_DETECT_CHARS]))
    letters = letter_count(sample)
    letters += 2 * len(_DENSE_SCRIPT_RE.findall(sample))
    if letters < _MIN_LETTERS:
        return None
    probabilities: dict[str, float] = {}
    for code, probability in _identifier().rank(sample):
        code = _FOLD_VARIETIES.get(code, code)
        probabilities[code] = probabilities.get(code, 0.0) + probability
    best = max(probabilities, key=probabilities.__getitem__)
    if best in _NOT_A_LANGUAGE or probabilities[best] < min_confidence:
        return None
    return best


# --------------------------------------------------------------------- sentences

#: Longer "sentences" (run-on text, tables flattened to text; real sentences are far
#: shorter) are cut into pieces
#: of at most this many characters, at spaces where there are any.
MAX_SENTENCE_CHARS = 2000

_PARAGRAPH_BREAK_RE = re.compile(r"\n[^\S\n]*\n")
# A segment made only of initials ("M.", "J.", "-L."): sentencex splits some of them
# off ("M. Dupont" at the start of a text, "J.-L. Mélenchon"); glue them back.
_INITIALS_ONLY_RE = re.compile(r"[-\s]*(?:[^\W\d_]\.[-\s]*)+")
_FALLBACK_SENTENCE_RE = re.compile(r".+?(?:[.!?。！？]+\s*|\Z)", re.DOTALL)
_URL_START_RE = re.compile(r"\s*(?:https?://|www\.)", re.IGNORECASE)
_OPENING_PUNCTUATION = "\"'«»“”„‘’‚‹›([{¿¡-–—"


def _sentencex_language(language: str | None) -> str:
    # sentencex knows primary subtags ("pt", not "pt-BR") and falls back to generic
    # rules for codes it does not know; None means we could not tell.
    if not language:
        return "en"
    return re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0] or "en"


def _starts_lowercase(segment: str) -> bool:
    if _URL_START_RE.match(segment):  # a URL on its own line is not a continuation
        return False
    for ch in segment:
        if ch.isalpha():
            return ch.islower()
        if ch not in _OPENING_PUNCTUATION and not ch.isspace():
            return False
    return False


def _lines_to_blocks(paragraph: str) -> list[str]:
    """A single line break separates sentences, unless the next line continues one."""
    blocks: list[str] = []
    for line in paragraph.split("\n"):
        line = line.strip()
        if not line:
            continue
        if blocks and _starts_lowercase(line):
            blocks[-1] = f"{blocks[-1]} {line}"
        else:
            blocks.append(line)
    return blocks


def _segment(language: str, block: str) -> list[str]:
    try:
        spans = [
            (b["start_index"], b["end_index"])
            for b in sentencex.get_sentence_boundaries(language, block)
        ]
    except Exception:  # a bug in the segmenter must not lose the text
        log.warning("sentencex failed on a %d-character block", len(block), exc_info=True)
        spans = [m.span() for m in _FALLBACK_SENTENCE_RE.finditer(block)]
    # Merge on the original text's offsets, so "J.-L." keeps its own spacing.
    merged: list[list[int]] = []
    for start, end in spans:
        piece = block[start:end].strip()
        if not piece:
            continue
        if merged:
            previous = block[merged[-1][0] : merged[-1][1]].strip()
            if _INITIALS_ONLY_RE.fullmatch(previous) or (
                previous.endswith(".") and _starts_lowercase(piece)
            ):
                # "т. е. | новый закон": a sentence does not start with a lowercase letter
                merged[-1][1] = end
                continue
        merged.append([start, end])
    return [_ANY_WHITESPACE_RE.sub(" ", block[start:end]).strip() for start, end in merged]


def _cut_long(sentence: str, limit: int) -> list[str]:
    pieces: list[str] = []
    while len(sentence) > limit:
        cut = sentence.rfind(" ", limit // 2, limit + 1)
        if cut <= 0:  # no space (CJK, Thai, junk): cut anywhere
            cut = limit
        pieces.append(sentence[:cut].strip())
        sentence = sentence[cut:].strip()
    if sentence:
        pieces.append(sentence)
    return pieces


def split_sentences(text: str, language: str | None) -> list[str]:
    """Split *text* into sentences, aware of the abbreviations of *language*.

    Paragraph breaks (blank lines) always end a sentence; a single line break does
    too, unless the next line starts with a lowercase letter (a wrapped line).
    Handles abbreviations and decimals ("Dr.", "z. B.", "U.S.", "M.", "т. е.",
    "3.5"), CJK full stops (。！？), Arabic and Hebrew. Pieces longer than
    :data:`MAX_SENTENCE_CHARS` are cut, so 100 kB of run-on text costs milliseconds.

    Parameters
    ----------
    text : str
        Clean text (see :func:`html_to_text`).
    language : str or None
        ISO 639 code of the text; ``None`` or an unknown code uses generic rules.

    Returns
    -------
    list of str
        The sentences in order, stripped, with whitespace collapsed.

    Examples
    --------
    >>> split_sentences("Dr. Smith met the U.S. envoy. It rained.", "en")
    ['Dr. Smith met the U.S. envoy.', 'It rained.']
    """
    if not text or not text.strip():
        return []
    text = _JUNK_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    code = _sentencex_language(language)
    sentences: list[str] = []
    for paragraph in _PARAGRAPH_BREAK_RE.split(text):
        for block in _lines_to_blocks(paragraph):
            for segment in _segment(code, block):
                sentences.extend(_cut_long(segment, MAX_SENTENCE_CHARS))
    return sentences
