"""HTML to text, language detection and sentence splitting."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from app.engine.text import (
    MAX_SENTENCE_CHARS,
    dense_script_share,
    detect_language,
    html_to_text,
    split_sentences,
)

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


# ----------------------------------------------------------------------- html_to_text


def test_html_drops_scripts_styles_comments_and_frames():
    markup = (
        "<html><head><style>p { color: red }</style>"
        "<script>var secret = '<p>not text</p>';</script></head>"
        "<body><p>Visible<!-- hidden comment --> text</p>"
        "<noscript>Enable JavaScript</noscript><iframe src='x'>frame text</iframe>"
        "<template><p>template text</p></template><p>End</p></body></html>"
    )
    assert html_to_text(markup) == "Visible text\n\nEnd"


def test_html_block_elements_become_paragraphs_and_br_a_line_break():
    markup = (
        "<h1>Title</h1><div>First<br>second line</div><ul><li>one</li><li>two</li></ul>"
        "<blockquote>Quote</blockquote><table><tr><td>a</td><td>b</td></tr>"
        "<tr><td>c</td><td>d</td></tr></table><p>Inline <b>bold</b> and <a href='#'>link</a>.</p>"
    )
    assert html_to_text(markup) == (
        "Title\n\nFirst\nsecond line\n\none\n\ntwo\n\nQuote\n\na b\n\nc d\n\n"
        "Inline bold and link."
    )


def test_html_entities_and_whitespace():
    markup = (
        "<p>Caf&eacute; &amp; bar&nbsp;&mdash; &#8220;quoted&#8221;  \n\t "
        "and&#x20AC;5 &lt;tag&gt;</p>"
    )
    assert html_to_text(markup) == "Café & bar — “quoted” and€5 <tag>"


def test_html_source_newlines_are_spaces_but_pre_keeps_them():
    assert html_to_text("<p>one\ntwo\n   three</p><pre>a\nb</pre>") == "one two three\n\na\nb"


def test_plain_text_keeps_its_line_breaks_and_is_unescaped():
    text = "First line  with   spaces\r\nSecond &amp; last\n\n\n\nNew paragraph\u200b "
    assert html_to_text(text) == "First line with spaces\nSecond & last\n\nNew paragraph"


def test_html_self_closing_iframe_does_not_swallow_the_rest():
    assert html_to_text('<p>Before</p><iframe src="x" /><p>After</p>') == "Before\n\nAfter"


def test_html_cdata_becomes_text():
    assert html_to_text("<p><![CDATA[a < b & c]]></p>") == "a < b & c"


@pytest.mark.parametrize(
    "markup",
    [
        "",
        "<",
        "<<<>>>",
        "<p",
        "<div><p><b>unclosed",
        "<!-- never closed <p>hidden</p>",
        "<script>never closed",
        '<a href="unterminated>text',
        "&#99999999; &#xD800; &bogus; &",
        "\x00\x01\x02 binary \xff\xfe \ud800 junk",
        "<p a='\"'>x</p></p></div></nonsense>",
    ],
)
def test_html_garbage_never_raises(markup):
    result = html_to_text(markup)
    assert isinstance(result, str)
    assert "\x00" not in result and "\ud800" not in result


def test_html_unclosed_tags_keep_their_text():
    assert html_to_text("<div><p>Hello <b>world") == "Hello world"
    assert html_to_text("<!-- never closed <p>hidden</p>") == ""


@pytest.mark.parametrize(
    "unit",
    ['<a "', '<p a=">"', "<a&", "</", "<!", "<p>hi</p>", "<div><span>"],
    ids=["unclosed-quote", "quoted-gt", "amp", "slash", "bang", "tags", "nesting"],
)
def test_html_one_megabyte_of_adversarial_markup_is_linear(unit):
    # Each of these makes a naive html.parser run take minutes at 1 MB.
    markup = unit * (1_000_000 // len(unit))
    started = time.perf_counter()
    result = html_to_text(markup)
    assert time.perf_counter() - started < 10
    assert isinstance(result, str)


def test_html_one_megabyte_of_random_bytes():
    junk = os.urandom(1_000_000).decode("utf-8", errors="surrogateescape")
    result = html_to_text(junk)
    assert isinstance(result, str)
    result.encode("utf-8")  # storable: no lone surrogates left


# -------------------------------------------------------------------- detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The government announced on Monday that fuel prices will rise again.", "en"),
        ("Die Regierung hat am Montag angekündigt, dass die Spritpreise erneut steigen.", "de"),
        ("Le gouvernement a annoncé lundi que les prix du carburant augmenteront.", "fr"),
        ("El gobierno anunció el lunes que los precios del combustible volverán a subir.", "es"),
        ("Правительство в понедельник объявило, что цены на топливо снова вырастут.", "ru"),
        ("政府周一宣布，下个月燃油价格将再次上涨。", "zh"),
        ("أعلنت الحكومة يوم الاثنين أن أسعار الوقود سترتفع مرة أخرى الشهر المقبل.", "ar"),
    ],
)
def test_detect_language(text, expected):
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "   \n ", "Hi", "12345 67890 2024-05-01", "https://example.com/news/2024/05/01/story.html",
     "😀🎉🔥👍😀🎉🔥👍", "@someone #hashtag https://t.co/abc"],
)
def test_detect_language_none_for_non_linguistic_text(text):
    assert detect_language(text) is None


def test_detect_language_ignores_urls():
    text = "https://example.org/a/b/c?q=1 Die Regierung hat heute neue Gesetze beschlossen."
    assert detect_language(text) == "de"


def test_detect_language_low_confidence_is_none():
    # Two words of a language close to others: the model is not sure.
    assert detect_language("Женщина готовит", min_confidence=0.99) is None


def test_stsb_languages_are_detected_on_paragraphs():
    path = SHARED_DATA / "stsb-multi-mt" / "dev.jsonl"
    if not path.exists():
        pytest.skip(f"shared data not found at {path}")
    # STS-B sentences are short captions ("A man plays the guitar."): single ones
    # are ambiguous between close languages (ru/bg/mk), so test article-sized text.
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[:300]]
    for language in ("en", "de", "es", "fr", "it", "ja", "nl", "pl", "pt", "ru", "zh"):
        paragraphs = [
            " ".join(row["sentence1"][language] for row in rows[i : i + 6])
            for i in range(0, len(rows), 6)
        ]
        right = sum(detect_language(p) == language for p in paragraphs)
        assert right >= 0.95 * len(paragraphs), language


def test_dense_script_share():
    assert dense_script_share("经济正在增长") == 1.0
    assert dense_script_share("経済は成長している") == 1.0
    assert dense_script_share("경제가 성장하고 있다") == 1.0
    assert dense_script_share("The economy grows") == 0.0
    assert dense_script_share("123 !!") == 0.0
    assert dense_script_share("GDP 经济 grew") == pytest.approx(2 / 9)


# -------------------------------------------------------------------- split_sentences


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (
            "en",
            "Dr. Smith met the U.S. envoy on Monday. Inflation rose 3.5 percent in June. "
            "Mr. Jones disagreed, e.g. on taxes. Is that true? Yes!",
            ["Dr. Smith met the U.S. envoy on Monday.", "Inflation rose 3.5 percent in June.",
             "Mr. Jones disagreed, e.g. on taxes.", "Is that true?", "Yes!"],
        ),
        (
            "de",
            "Das ist z. B. ein Test. Dr. Müller kam um 9 Uhr an. Die Inflation lag bei 3,5 Prozent. "
            "Er sagte u. a. etwas anderes. Am 3. Oktober ist Feiertag.",
            ["Das ist z. B. ein Test.", "Dr. Müller kam um 9 Uhr an.", "Die Inflation lag bei 3,5 Prozent.",
             "Er sagte u. a. etwas anderes.", "Am 3. Oktober ist Feiertag."],
        ),
        (
            "fr",
            "M. Dupont est arrivé hier. Mme Martin a répondu à 10 h. La croissance est de 3.5 pour cent. "
            "J.-L. Mélenchon a refusé. C'est fini.",
            ["M. Dupont est arrivé hier.", "Mme Martin a répondu à 10 h.",
             "La croissance est de 3.5 pour cent.", "J.-L. Mélenchon a refusé.", "C'est fini."],
        ),
        (
            "es",
            "El Sr. García llegó ayer. La Dra. López respondió a las 10. El PIB creció un 3.5 por ciento. "
            "¿Es verdad? ¡Sí!",
            ["El Sr. García llegó ayer.", "La Dra. López respondió a las 10.",
             "El PIB creció un 3.5 por ciento.", "¿Es verdad?", "¡Sí!"],
        ),
        (
            "ru",
            "Это, т. е. новый закон, вступил в силу. Г. Иванов приехал в 10 ч. утра. "
            "Рост составил 3.5 процента. Правда ли это? Да!",
            ["Это, т. е. новый закон, вступил в силу.", "Г. Иванов приехал в 10 ч. утра.",
             "Рост составил 3.5 процента.", "Правда ли это?", "Да!"],
        ),
        (
            "zh",
            "总统说经济正在增长。这是真的吗？是的！他补充道。",
            ["总统说经济正在增长。", "这是真的吗？", "是的！", "他补充道。"],
        ),
        (
            "ja",
            "首相は記者会見を行った。経済は成長している！本当ですか？",
            ["首相は記者会見を行った。", "経済は成長している！", "本当ですか？"],
        ),
        (
            "ar",
            "قال الرئيس إن الاقتصاد ينمو. هل هذا صحيح؟ نعم، قال الوزير.",
            ["قال الرئيس إن الاقتصاد ينمو.", "هل هذا صحيح؟", "نعم، قال الوزير."],
        ),
        (
            "he",
            "הנשיא אמר שהכלכלה צומחת. האם זה נכון? כן.",
            ["הנשיא אמר שהכלכלה צומחת.", "האם זה נכון?", "כן."],
        ),
    ],
    ids=["en", "de", "fr", "es", "ru", "zh", "ja", "ar", "he"],
)
def test_split_sentences(language, text, expected):
    assert split_sentences(text, language) == expected


def test_split_sentences_without_language_uses_generic_rules():
    text = "Dr. Smith arrived. The vote was 52 to 48. 你好。再见。"
    expected = ["Dr. Smith arrived.", "The vote was 52 to 48.", "你好。", "再见。"]
    assert split_sentences(text, None) == expected
    assert split_sentences(text, "xx-unknown") == expected
    assert split_sentences(text, "en-US") == expected


def test_split_sentences_paragraphs_and_lines():
    text = (
        "A heading without a stop\n\nFirst line wraps\nonto the next line. Then stops.\n"
        "A new line starts a sentence\nhttps://example.com/link\n\n\nLast paragraph"
    )
    assert split_sentences(text, "en") == [
        "A heading without a stop",
        "First line wraps onto the next line.",
        "Then stops.",
        "A new line starts a sentence",
        "https://example.com/link",
        "Last paragraph",
    ]


def test_split_sentences_mixed_scripts_and_emoji():
    text = "Prices rose 😀 sharply. Цены выросли. 价格上涨了。 Done 🎉"
    assert split_sentences(text, "en") == [
        "Prices rose 😀 sharply.", "Цены выросли.", "价格上涨了。", "Done 🎉"
    ]


@pytest.mark.parametrize("text", ["", "   ", "\n\n\n", "\x00\x01"])
def test_split_sentences_empty(text):
    assert split_sentences(text, "en") == []


def test_split_sentences_100kb_run_on_is_fast_and_cut():
    run_on = "and the minister said " * 5000  # 110 kB, no full stop
    started = time.perf_counter()
    sentences = split_sentences(run_on, "en")
    assert time.perf_counter() - started < 2
    assert all(len(s) <= MAX_SENTENCE_CHARS for s in sentences)
    assert len(sentences) >= len(run_on) // MAX_SENTENCE_CHARS
    assert all(s.startswith(("and", "the", "minister", "said")) for s in sentences)  # word boundaries
    assert " ".join(sentences) == run_on.strip()


def test_split_sentences_long_unspaced_text_is_cut_anywhere():
    sentences = split_sentences("经" * (5 * MAX_SENTENCE_CHARS), "zh")
    assert [len(s) for s in sentences] == [MAX_SENTENCE_CHARS] * 5


def test_split_sentences_100kb_of_normal_text():
    text = "The council approved the budget on Tuesday. " * 2500
    started = time.perf_counter()
    sentences = split_sentences(text, "en")
    assert time.perf_counter() - started < 2
    assert sentences == ["The council approved the budget on Tuesday."] * 2500
