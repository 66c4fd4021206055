"""Tokens, language, stemming and TF-IDF vectors in Finnish and English."""

import math

import numpy as np

from matcher.text import (
    StemCache,
    analyze,
    detect_language,
    fit_counts,
    fit_text_model,
    tokens,
    vectorize,
)


def test_tokens_drop_html_numbers_and_single_letters():
    assert tokens("<p>Expected Outcome: 5 G-networks & <b>AI</b></p>") == [
        "expected",
        "outcome",
        "networks",
        "ai",
    ]


def test_language_is_detected_from_function_words():
    assert detect_language(tokens("Jalostamme sivuvirroista biokaasua ja lannoitteita.")) == "fi"
    assert detect_language(tokens("Projects should address the recycling of food waste.")) == "en"
    assert detect_language(tokens("Älykäs muotoilu")) == "fi"  # no function words: ä and ö


def test_stems_join_inflected_forms_in_both_languages():
    cache = StemCache()
    _, en = analyze("recycling recycled recycles", cache)
    assert len(set(en)) == 1
    _, fi = analyze("biokaasua biokaasun biokaasusta ja", cache)
    assert len(set(fi)) == 1  # and the stop word "ja" is gone


def test_vectors_are_unit_length_and_match_across_inflections():
    corpus = [
        "Biogas production from agricultural residues and manure",
        "Quantum computing platforms for simulation",
        "Recycling of nutrients from food industry side streams",
    ]
    model = fit_text_model(corpus)
    vectors = vectorize(model, [*corpus, "We produce biogas from manures"])
    norms = np.sqrt(np.asarray(vectors.multiply(vectors).sum(axis=1)).ravel())
    assert np.allclose(norms, 1.0)
    cosines = (vectors[3] @ vectors[:3].T).toarray().ravel()
    assert cosines.argmax() == 0
    assert cosines[1] == 0.0
    assert model.display[model.vocabulary["manur"]] == "manure"  # the commonest word of the stem


def test_words_outside_the_vocabulary_are_dropped():
    model = fit_text_model(["circular economy"])
    assert vectorize(model, ["quantum photonics"]).nnz == 0
    # Words the process met only after the fit are dropped too, the known ones kept.
    later = vectorize(model, ["photonics for a circular economy"])
    assert (later != vectorize(model, ["circular economy"])).nnz == 0


def test_a_term_in_several_fields_of_a_document_counts_once_for_its_idf():
    cache = StemCache()
    documents = [
        [cache.count("biogas plants"), cache.count("biogas from manure")],
        [cache.count("manure"), cache.count("")],
        [cache.count("quantum"), cache.count("quantum")],
    ]
    model = fit_counts(documents, cache)
    idf = dict(zip(sorted(model.vocabulary, key=model.vocabulary.get), model.idf, strict=True))
    n = len(documents)
    assert idf["bioga"] == math.log((1 + n) / (1 + 1)) + 1  # in one document, twice
    assert idf["manur"] == math.log((1 + n) / (1 + 2)) + 1  # in two documents
    assert list(model.vocabulary) == sorted(model.vocabulary)  # columns in the terms' order


def test_a_finnish_word_meets_english_text_through_its_base_form_and_senses():
    model = fit_text_model(["Circular economy and waste recycling", "Quantum computing"])
    vectors = vectorize(model, ["Circular economy", "kiertotaloudessa", "jätteiden kierrätys"])
    assert (vectors[1] != vectors[0]).nnz == 0  # kiertotalous = circular economy
    cosines = (vectors[2] @ vectorize(model, ["waste recycling"]).T).toarray()
    assert cosines[0, 0] > 0.9


def test_finnish_words_are_read_as_base_forms_not_snowball_stems():
    cache = StemCache()
    assert set(cache.terms(["valtionavustuksia"], "fi")) >= {"valtionavustus"}
    assert set(cache.terms(["valtionavustus"], "fi")) == set(
        cache.terms(["valtionavustuksia"], "fi")
    )
    assert "kiertotalous" in cache.terms(["kiertotaloudessa"], "fi")
