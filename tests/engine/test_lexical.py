import pytest

from app.engine.lexical import LexicalScorer, counted_frequencies, tokens, weighted_cosine


def test_tokens_fold_case_and_diacritics_like_the_index():
    assert tokens("Élections À PARIS, 40 000 bulletins!") == {"elections", "a", "paris", "40", "000", "bulletins"}
    assert tokens("") == frozenset()
    assert tokens("Выборы в Москве") == {"выборы", "в", "москве"}


def test_rare_shared_words_weigh_more_than_common_ones():
    corpus = ["the vaccine is safe", "the minister said the vote", "the bank posted profits",
              "microchips in the vaccine", "the weather is fine"]
    scorer = LexicalScorer(counted_frequencies(corpus))
    rare, common = scorer.scores("microchips in the vaccine", ["microchips tracked", "the weather today"])
    assert rare > common


def test_identical_and_disjoint_texts():
    scorer = LexicalScorer(counted_frequencies(["a b c", "d e f"]))
    same, none = scorer.scores("a b c", ["a b c", "d e f"])
    assert same == pytest.approx(1.0) and none == 0.0
    assert weighted_cosine(frozenset(), frozenset({"a"}), {"a": 1.0}) == 0.0


def test_numbers_are_written_alike_across_languages():
    from app.engine.lexical import numbers, numbers_disagree

    assert numbers("40,000 ballots") == numbers("40.000 Stimmzettel") == numbers("40 000 бюллетеней") == {"40000"}
    assert numbers("rose 2.3%") == numbers("stieg um 2,3 %") == {"2.3"}
    assert numbers_disagree("Shares rose 2.3% in early trading", "Shares rose 4% on the news")
    assert not numbers_disagree("Cash banned by 2027", "Bargeld ab 2027 verboten, sagt Brüssel 2026")
    assert not numbers_disagree("No numbers here", "Only this one has 5")
