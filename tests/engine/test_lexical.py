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


def test_numbers_keep_their_value_whatever_the_digits_and_decimal_mark():
    from app.engine.lexical import numbers

    assert numbers("a fee of 2.50 euros") == numbers("eine Gebühr von 2,5 Euro") == {"2.5"}
    assert numbers("٤٠٬٠٠٠ بطاقة اقتراع") == numbers("40,000 ballots") == {"40000"}
    assert numbers("٢٫٣٪") == numbers("2.3%") == {"2.3"}
    assert numbers("10.0 and 100") == {"10", "100"}


def test_texts_disagree_when_each_states_a_number_the_other_lacks():
    from app.engine.lexical import numbers_disagree

    assert numbers_disagree("Dispatch 4808 from desk 48.", "Dispatch 4819 from desk 48.")
    assert numbers_disagree("In 2024, 40,000 ballots were counted", "In 2024, 45,000 ballots were counted")
    assert not numbers_disagree("40,000 ballots were counted", "Officials said on 12 May that 40.000 ballots were counted")
    assert not numbers_disagree("Dispatch 4808 from desk 48.", "Dispatch 4808 from desk 48.")
