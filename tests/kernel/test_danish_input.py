"""Danish in (#23), the pure rules: keys with æ, ø, å (NFC), the Danish and English words for every
closed vocabulary, yes/no, and ASCII file names and slugs that keep the meaning of Danish letters."""
from __future__ import annotations

import unicodedata

import pytest

from casecoder.exchange.refi.names import clean_name, slugify
from casecoder.export.bundle import Bundle
from casecoder.export.coded_transcript import file_name
from casecoder.kernel import validate, vocabulary
from casecoder.kernel.errors import InvalidInput
from casecoder.kernel.file_names import ascii_text, file_stem, slug_from_title
from casecoder.kernel.vocabulary import (
    AttributeType,
    CodeKind,
    Direction,
    InterviewMode,
    Perspective,
    RelationType,
    Role,
)


@pytest.mark.parametrize("key", ["ÆR0", "FÅB-12", "øst_3", "H1.2", "F01", "Ærø.Å-1_b", "Élan", "7", "Å" * 32])
def test_keys_accept_unicode_letters_digits_and_dot_underscore_hyphen(key):
    assert validate.code_key(key) == key and validate.case_key(f" {key} ") == key and validate.is_key(key)


def test_keys_are_stored_nfc_whatever_form_they_come_in():
    decomposed = unicodedata.normalize("NFD", "FÅB-12")
    assert decomposed != "FÅB-12" and len(decomposed) == 7
    assert validate.case_key(decomposed) == "FÅB-12" and validate.as_key(decomposed) == "FÅB-12"
    assert validate.key(unicodedata.normalize("NFD", "Ø" * 32), "Key") == "Ø" * 32  # counted after NFC


@pytest.mark.parametrize("key", ["", " ", "-A", ".A", "_A", "A B", "A/B", "A:B", "Æ€", "Å" * 33, "A\u00a0B", "²"])
def test_keys_refuse_anything_else_and_say_exactly_what_is_allowed(key):
    assert not validate.is_key(key.strip()) and validate.as_key(key) is None
    with pytest.raises(InvalidInput) as info:
        validate.case_key(key)
    assert info.value.message == (
        f"Case key '{key.strip()}' must be 1-32 characters: letters (also æ, ø, å and other accented letters), "
        "digits, '.', '_' or '-', starting with a letter or digit")
    assert info.value.field == "key"


def test_source_keys_may_be_64_long():
    assert validate.key("BESØG-" + "x" * 58, "Source key", validate.SOURCE_KEY_MAX).startswith("BESØG-")
    with pytest.raises(InvalidInput, match="must be 1-64 characters"):
        validate.key("x" * 65, "Source key", validate.SOURCE_KEY_MAX)


@pytest.mark.parametrize(("enum_cls", "written", "member"), [
    (InterviewMode, "besøg", InterviewMode.VISIT), (InterviewMode, " BESØG ", InterviewMode.VISIT),
    (InterviewMode, "Telefon", InterviewMode.PHONE), (InterviewMode, "phone", InterviewMode.PHONE),
    (InterviewMode, unicodedata.normalize("NFD", "besøg"), InterviewMode.VISIT),
    (Perspective, "familie", Perspective.FAMILY), (Perspective, "Family", Perspective.FAMILY),
    (Perspective, "SYSTEM", Perspective.SYSTEM),
    (Direction, "understøtter", Direction.SUPPORTS), (Direction, "Modsiger", Direction.CONTRADICTS),
    (Direction, "  nuancerer\t", Direction.NUANCES), (Direction, "supports", Direction.SUPPORTS),
    (CodeKind, "Hypotese", CodeKind.HYPOTHESIS), (CodeKind, "mekanisme", CodeKind.MECHANISM),
    (CodeKind, "betingelse", CodeKind.CONDITION), (CodeKind, "udsagn", CodeKind.STATEMENT),
    (CodeKind, "HÆNDELSE", CodeKind.EVENT), (CodeKind, "barriere", CodeKind.BARRIER), (CodeKind, "tema", CodeKind.THEME),
    (RelationType, "fører til", RelationType.LEADS_TO), (RelationType, "Leads  to", RelationType.LEADS_TO),
    (RelationType, "leads_to", RelationType.LEADS_TO), (RelationType, "hænger sammen med", RelationType.ASSOCIATED_WITH),
    (Role, "Ejer", Role.OWNER), (Role, "koder", Role.CODER), (Role, "analytiker", Role.ANALYST),
    (Role, "LÆSER", Role.READER), (Role, "reader", Role.READER),
    (AttributeType, "ja/nej", AttributeType.BOOLEAN), (AttributeType, "heltal", AttributeType.INTEGER),
    (AttributeType, "dato", AttributeType.DATE),
])
def test_every_vocabulary_takes_the_danish_and_english_words_in_any_case(enum_cls, written, member):
    assert vocabulary.parse(enum_cls, written) is member
    assert validate.choice(enum_cls, written, "Word") is member
    assert member.value == str(member.value).lower()  # exports write the one English value


def test_an_unknown_word_names_every_accepted_word():
    assert vocabulary.parse(InterviewMode, "bil") is None
    with pytest.raises(InvalidInput) as info:
        validate.choice(InterviewMode, "bil", "Mode")
    assert info.value.message == "Mode 'bil' is not one of: visit (besøg), phone (telefon)"
    assert vocabulary.words(Direction) == "supports (understøtter), contradicts (modsiger), nuances (nuancerer)"
    assert vocabulary.words(Perspective) == "family (familie), system"


@pytest.mark.parametrize(("written", "answer"), [("ja", True), (" JA ", True), ("Yes", True), ("true", True),
                                                 ("1", True), ("Nej", False), ("no", False), ("FALSE", False),
                                                 ("0", False), ("måske", None), ("", None)])
def test_yes_and_no_in_both_languages(written, answer):
    assert vocabulary.yes_no(written) is answer
    if answer is None:
        with pytest.raises(InvalidInput):
            validate.attribute_value(AttributeType.BOOLEAN, written, "placed")
    else:
        assert validate.attribute_value(AttributeType.BOOLEAN, written, "placed") is answer


def test_file_names_keep_the_meaning_of_danish_letters():
    assert ascii_text("Ærø Café Åse Søren") == "Aeroe Cafe Aase Soeren"
    assert file_stem("demo-tally-ÆR0") == "demo-tally-AeR0"
    assert file_stem("Mødet på Café Ø / 2025") == "Moedet-paa-Cafe-Oe-2025"
    assert file_stem(unicodedata.normalize("NFD", "Åse")) == "Aase"  # a decomposed å is still aa
    assert file_stem("«»!") == "export" and file_stem("«»!", "transcript") == "transcript"
    assert file_stem("x" * 200) == "x" * 80
    assert file_name("Interview med Søren, Åse & Ærø!") == "Interview-med-Soeren-Aase-Aeroe-coded.docx"
    bundle = Bundle(name="proj-quotes-FÅB-12", files={}, spec={}, readme="")
    assert bundle.name == "proj-quotes-FAaB-12"
    assert list(bundle.all_files("2025-01-01T00:00:00+00:00")) == ["spec.json", "README.txt"]


def test_project_slugs_from_titles_are_ascii():
    assert slug_from_title("Familier på Ærø") == "familier-paa-aeroe"
    assert slug_from_title("Øst & Vest: Åbne døre") == "oest-vest-aabne-doere"
    assert slug_from_title("Æ") == "ae" and slug_from_title("!") == "project"
    assert slugify("Helhedsindsats – Ålborg") == "helhedsindsats-aalborg"
    for title in ("Familier på Ærø", "Æ", "!", "Ø" * 100):
        assert validate.slug(slug_from_title(title)) == slug_from_title(title)


def test_names_made_for_imported_keys_keep_letters_and_user_names_stay_ascii():
    assert clean_name("Tillid og tryghed i Ærø", "case") == "Tillid-og-tryghed-i-Ærø"
    assert clean_name(unicodedata.normalize("NFD", "FÅB 12"), "case") == "FÅB-12"
    assert clean_name("\u0301Å", "case", min_len=1) == "Å"  # a mark cannot start a key
    assert clean_name("Søren Ærø", "user", 64, ascii_only=True) == "Soeren-Aeroe"
    assert validate.username(clean_name("Søren Ærø", "user", 64, ascii_only=True)) == "Soeren-Aeroe"
