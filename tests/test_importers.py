"""Importers: LIWC .dic, quanteda YAML and word lists, on the real files in ../shared and on fixtures."""
from __future__ import annotations

import os
import re
import warnings
from collections import Counter
from pathlib import Path

import pytest

from framelens.errors import LexiconError, ParameterError
from framelens.lexicon import (
    Lexicon,
    Pattern,
    import_lexicon,
    load_lexicon,
    read_lexicon,
    read_liwc,
    read_quanteda,
    read_wordlist,
    validate_lexicon,
    write_lexicon,
)
from framelens.lexicon.importers import sanitise_id

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FRAMELENS_SHARED", ROOT.parent / "shared"))
LEXICONS = SHARED / "corpora" / "lexicons"


def shared(relative: str) -> Path:
    path = LEXICONS / relative
    if not path.exists():
        pytest.skip(f"third-party data not present: {path} (../shared is not beside this checkout)")
    return path


def words(lex: Lexicon, label_id: str) -> list[str]:
    return [p.text for fam, lab in lex.iter_labels() if lab.id == label_id for p in lab.patterns]


def labels_of(lex: Lexicon, word: str) -> list[str]:
    return [lab.id for _, lab in lex.iter_labels() if any(p.text == word for p in lab.patterns)]


# ---------------------------------------------------------------------------------------------
# Moral Foundations Dictionary 2.0 and the original MFD (LIWC .dic)
# ---------------------------------------------------------------------------------------------
# Entries per category in mfd2.0.dic, counted with awk -F'\t' '{print $2}' | sort | uniq -c.
MFD2_SIZES = {"care_virtue": 182, "care_vice": 288, "fairness_virtue": 115, "fairness_vice": 236,
              "loyalty_virtue": 142, "loyalty_vice": 49, "authority_virtue": 301, "authority_vice": 130,
              "sanctity_virtue": 272, "sanctity_vice": 388}


def test_mfd2_one_family_per_category():
    mfd = read_liwc(shared("mfd/mfd2.0.dic"))
    assert mfd.name == "mfd2.0" and mfd.version == "imported" and "mfd2.0.dic" in mfd.description
    assert mfd.overlap == "family"  # LIWC counts a word in every category it belongs to
    assert mfd.family_ids() == list(MFD2_SIZES) and mfd.label_ids() == list(MFD2_SIZES)
    assert {lab.id: len(lab.patterns) for _, lab in mfd.iter_labels()} == MFD2_SIZES
    assert sum(MFD2_SIZES.values()) == 2103 == len(mfd)
    # 2,040 distinct words: 63 entries repeat a word already listed under another category
    assert len({p.text for _, lab in mfd.iter_labels() for p in lab.patterns}) == 2040
    assert mfd.families[0].labels[0].description == "LIWC category 1 care.virtue"


def test_mfd2_known_words_and_phrases():
    mfd = read_liwc(shared("mfd/mfd2.0.dic"), split=".")
    assert mfd.family_ids() == ["care", "fairness", "loyalty", "authority", "sanctity"]
    assert mfd.family("care").label_ids() == ["care_virtue", "care_vice"]
    assert labels_of(mfd, "kindness") == ["care_virtue"]
    assert labels_of(mfd, "kill") == ["care_vice"] and labels_of(mfd, "murder") == ["care_vice"]
    assert labels_of(mfd, "cheat") == ["fairness_vice"]
    assert labels_of(mfd, "war") == ["loyalty_virtue"]
    assert labels_of(mfd, "traitor") == ["loyalty_vice", "authority_virtue"]  # file lines 977 and 1210
    assert labels_of(mfd, "civil rights") == ["fairness_virtue"]  # a phrase: words before the tab
    assert labels_of(mfd, "wounded") == ["care_virtue", "care_vice"]
    kill = next(p for p in mfd.family("care").labels[1].patterns if p.text == "kill")
    assert kill.line is not None and (LEXICONS / "mfd/mfd2.0.dic").read_text().splitlines()[kill.line - 1] == "kill\t2"


def test_mfd2_validation_finds_the_words_listed_as_both_virtue_and_vice():
    report = validate_lexicon(read_liwc(shared("mfd/mfd2.0.dic"), split="."))
    warned = report[report["level"] == "warning"]
    dup = sorted(re.search(r"'([^']+)'", m).group(1) for m in warned["message"])
    # MFD 2.0 lists these under both care.virtue and care.vice; in one family only the first counts
    assert dup == sorted(["vulnerable", "wounded", "wounds", "wounding", "vulnerability", "wound"])
    assert set(warned["entry"].str.extract(r"labels\.(\w+)\.")[0]) == {"care_vice"}


def test_mfd2_all_categories_in_one_family():
    mfd = read_liwc(shared("mfd/mfd2.0.dic"), family="moral_foundations")
    assert mfd.family_ids() == ["moral_foundations"]
    assert mfd.label_ids() == list(MFD2_SIZES)


def test_mft_original_globs_multiple_categories_and_an_invalid_entry():
    path = shared("mfd/mft_original.dic")
    with pytest.raises(LexiconError) as info:
        read_liwc(path)
    assert info.value.line == 71 and info.value.entry == "fair-*"
    with pytest.warns(UserWarning, match=r"skipped 1 entries .*line 71 'fair-\*'"):
        mft = read_liwc(path, split=".", on_invalid="skip")
    assert mft.family_ids() == ["care", "fairness", "loyalty", "authority", "sanctity", "moral"]
    assert mft.family("moral").label_ids() == ["moral"]
    assert "compassion*" in words(mft, "care_virtue") and "harm*" in words(mft, "care_vice")
    # "preserve		01 07 09": one entry, three categories
    assert labels_of(mft, "preserve") == ["care_virtue", "authority_virtue", "sanctity_virtue"]


def test_mfd_round_trips_through_yaml(tmp_path):
    mfd = read_liwc(shared("mfd/mfd2.0.dic"), split=".")
    back = read_lexicon(write_lexicon(mfd, tmp_path / "mfd2.yaml"))
    assert back == mfd and back.fingerprint == mfd.fingerprint and back.overlap == "family"


# ---------------------------------------------------------------------------------------------
# LIWC fixtures: name-style categories, conditional entries, errors
# ---------------------------------------------------------------------------------------------
def test_liwc_categories_by_name_and_conditional_entries(tmp_path):
    path = tmp_path / "framing.dic"
    path.write_text(
        "%\n"
        "1\tposemo\t(Positive Emotion)\n"
        "2\tnegemo\n"
        "3\tsocial\n"
        "%\n"
        "good\tposemo\n"            # LIWC-2015 style: category by name
        "hate*\tnegemo social\n"
        "like\t1 02(03)2\n"         # LIWC-2007 conditional assignment: dropped, plain id kept
        "kind\t<of>3/1\n"           # only conditional: nothing to count
        "human rights\t3\n",
        encoding="utf-8",
    )
    with pytest.warns(UserWarning, match="dropped 2 LIWC conditional"):
        lex = read_liwc(path)
    assert lex.label_ids() == ["posemo", "negemo", "social"]
    assert words(lex, "posemo") == ["good", "like"]
    assert words(lex, "negemo") == ["hate*"] and words(lex, "social") == ["hate*", "human rights"]
    assert lex.families[0].labels[0].description == "LIWC category 1 posemo: Positive Emotion"


def test_liwc_errors_are_located(tmp_path):
    path = tmp_path / "bad.dic"
    path.write_text("%\n1\tharm\n%\nkill\t1\nhurt\t7\n", encoding="utf-8")
    with pytest.raises(LexiconError) as info:
        read_liwc(path)
    assert info.value.line == 5 and "unknown category '7'" in str(info.value)
    path.write_text("harm 1\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="first line should hold only '%'"):
        read_liwc(path)
    path.write_text("%\n1 harm\nkill 1\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="not closed"):
        read_liwc(path)
    path.write_text("%\n1\tharm\n%\nkill\t1\n", encoding="utf-8")
    with pytest.raises(ParameterError):
        read_liwc(path, on_invalid="ignore")
    with pytest.raises(ParameterError):
        read_liwc(path, family="Not An Id")


# ---------------------------------------------------------------------------------------------
# quanteda YAML dictionaries (none in ../shared: a realistic fixture)
# ---------------------------------------------------------------------------------------------
QUANTEDA = """\
# exported from quanteda with as.yaml(dictionary(...))
Economy:
  taxation:
  - tax*
  - budget deficit
  spending:
  - public spending
  - austerity
Security:
  threat:
  - terror*
  - insurgen*
  military:
  - army
  - air strike*
Immigration:
- migrant*
- asylum seeker*
- refugee?
Misc:
  threat:
  - hazard*
"""


def test_quanteda_nested_keys(tmp_path):
    path = tmp_path / "policy_frames.yml"
    path.write_text(QUANTEDA, encoding="utf-8")
    lex = read_quanteda(path)
    assert lex.name == "policy_frames" and lex.overlap == "family" and "policy_frames.yml" in lex.description
    assert lex.family_ids() == ["economy", "security", "immigration", "misc"]
    assert lex.family("economy").label_ids() == ["taxation", "spending"]
    assert lex.family("immigration").label_ids() == ["immigration"]
    # "threat" under two keys: label ids stay unique
    assert lex.family("security").label_ids() == ["threat", "military"]
    assert lex.family("misc").label_ids() == ["misc_threat"]
    assert words(lex, "taxation") == ["tax*", "budget deficit"] and words(lex, "immigration")[-1] == "refugee?"
    assert lex.family("economy").labels[0].description == "Economy.taxation"
    assert lex.families[0].labels[0].patterns[0].line == 4
    one = read_quanteda(path, family="frames")
    assert one.family_ids() == ["frames"]
    assert one.label_ids() == ["economy_taxation", "economy_spending", "security_threat", "security_military",
                               "immigration", "misc_threat"]
    # sniffed as quanteda (no top-level `families`), and exportable
    assert import_lexicon(path) == lex
    assert read_lexicon(write_lexicon(lex, tmp_path / "out.yaml")) == lex


def test_quanteda_scalars_stay_text_and_errors_are_located(tmp_path):
    path = tmp_path / "d.yml"
    path.write_text("answers:\n- yes\n- no\n- 2020\n", encoding="utf-8")
    assert words(read_quanteda(path), "answers") == ["yes", "no", "2020"]
    path.write_text("frames:\n  economy:\n  - tax*\n  - {a: b}\n", encoding="utf-8")
    with pytest.raises(LexiconError) as info:
        read_quanteda(path)
    assert info.value.line == 4 and info.value.entry == "frames.economy"
    path.write_text("frames:\n  - tax+\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="invalid character"):
        read_quanteda(path)


# ---------------------------------------------------------------------------------------------
# word lists: Recasens et al. (2013), Hu & Liu, MPQA subjectivity clues
# ---------------------------------------------------------------------------------------------
def _entries(path: Path) -> list[str]:
    """An independent count: non-blank lines that are not '#' comments (a header line holds a bare CR)."""
    lines = re.split(r"\r\n|\r|\n", path.read_text(encoding="utf-8"))
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


@pytest.mark.parametrize("name, n", [
    ("hedges_hyland2005.txt", 100), ("report_verbs.txt", 181), ("assertives_hooper1975.txt", 66),
    ("factives_hooper1975.txt", 27), ("implicatives_karttunen1971.txt", 32), ("bias-lexicon.txt", 654),
])
def test_recasens_lists(name, n):
    path = shared(f"recasens2013/{name}")
    lex = import_lexicon(path)
    assert len(lex) == n == len(_entries(path))
    assert [p.text for p in lex.families[0].labels[0].patterns] == _entries(path)
    assert lex.family_ids() == lex.label_ids() == [sanitise_id(path.stem)]


def test_recasens_known_entries():
    hedges = read_wordlist(shared("recasens2013/hedges_hyland2005.txt"), "epistemic", "hedge")
    assert hedges.family_ids() == ["epistemic"] and hedges.label_ids() == ["hedge"]
    assert {"apparently", "may", "could", "tend to", "in most cases"} <= set(words(hedges, "hedge"))
    report = read_wordlist(shared("recasens2013/report_verbs.txt"))
    assert {"claim", "admit", "deny", "allege", "say", "point out"} <= set(words(report, "report_verbs"))
    assert not any(w.startswith("#") or "Syntax" in w for w in words(report, "report_verbs"))


def test_liu_lists_encoding_globs_and_invalid_entries():
    # the censored "bull****", "d*mn", "f**k", "sh*t" are globs as written ("sh*t" matches "shot"): warned
    with pytest.warns(UserWarning, match=r"4 entries have '\*' inside .*'bull\*\*\*\*'.*'d\*mn'.*'f\*\*k'.*'sh\*t'"):
        neg = read_wordlist(shared("liu_opinion/negative_words.txt"))
    # 4,783 lines, 22 of them repeats; "naïve" is Latin-1 in the file and decoded as such
    assert len(neg) == 4761 and "naïve" in words(neg, "negative_words")
    assert {"f**k", "bull****"} <= set(words(neg, "negative_words"))
    path = shared("liu_opinion/positive_words.txt")
    with pytest.raises(LexiconError) as info:
        read_wordlist(path)
    assert (info.value.line, info.value.entry) == (1, "a+")
    with pytest.warns(UserWarning, match=r"skipped 1 entries .*line 1 'a\+'"):
        pos = read_wordlist(path, on_invalid="skip")
    assert len(pos) == 2006 - 9 - 1  # 2,006 lines, 9 repeats, "a+"


# Distinct words per (type, prior polarity) in the MPQA file, counted with awk | sort -u | uniq -c;
# the one "priorpolarity=weakneg" clue (impassive) counts as negative.
MPQA_SIZES = {"strongsubj_positive": 1482, "strongsubj_negative": 3079, "strongsubj_neutral": 175,
              "strongsubj_both": 16, "weaksubj_positive": 842, "weaksubj_negative": 1098,
              "weaksubj_neutral": 257, "weaksubj_both": 2}


def test_mpqa_clues_by_type_and_polarity():
    path = shared("mpqa_subjclues/subjclueslen1-HLTEMNLP05.tff")
    mpqa = read_wordlist(path)
    assert "8222 clues" in mpqa.description and mpqa.overlap == "family"
    assert mpqa.family_ids() == ["strongsubj", "weaksubj"]
    assert {lab.id: len(lab.patterns) for _, lab in mpqa.iter_labels()} == MPQA_SIZES
    assert labels_of(mpqa, "brutal") == ["strongsubj_negative"]
    assert labels_of(mpqa, "hero") == ["strongsubj_positive"]
    assert labels_of(mpqa, "good") == ["weaksubj_positive"]
    assert labels_of(mpqa, "kill") == ["weaksubj_negative"] and labels_of(mpqa, "massacre") == ["strongsubj_negative"]
    # "abuse" is weak as a noun/adjective and strong as a verb: it is in both families
    assert labels_of(mpqa, "abuse") == ["strongsubj_negative", "weaksubj_negative"]
    assert labels_of(mpqa, "impassive") == ["weaksubj_negative"]
    assert labels_of(mpqa, "anti") == ["strongsubj_negative"]  # the prefix clue "anti-"
    assert sum(1 for line in path.read_text().splitlines() if line.strip()) == 8222


def test_mpqa_options(tmp_path):
    path = shared("mpqa_subjclues/subjclueslen1-HLTEMNLP05.tff")
    polar = read_wordlist(path, mpqa="polarity", family="sentiment")
    assert polar.family_ids() == ["sentiment"] and polar.label_ids() == ["positive", "negative", "neutral", "both"]
    assert polar.overlap == "lexicon"
    counts = Counter(lab.id for _, lab in polar.iter_labels() for p in lab.patterns)
    assert counts["both"] == 17  # 16 strong + 2 weak, "both" listed once as each: one repeat
    stems = read_wordlist(path, stemmed="glob")
    assert "abandon*" in words(stems, "weaksubj_negative") and "abandoned" in words(stems, "weaksubj_negative")
    back = read_lexicon(write_lexicon(stems, tmp_path / "mpqa.yaml"))
    assert back == stems


# ---------------------------------------------------------------------------------------------
# word list fixtures and dispatch
# ---------------------------------------------------------------------------------------------
def test_wordlist_comments_tsv_labels_and_errors(tmp_path):
    path = tmp_path / "Actor Terms.tsv"
    path.write_text("; actor labels\n# comment\n\nrebels\trebels\tarmed\nterrorists\tterrorists\tarmed\n"
                    "terror group*\tterrorists\tarmed\narmy\tarmy\tstate\n", encoding="utf-8")
    lex = import_lexicon(path)
    assert lex.family_ids() == ["armed", "state"]
    assert lex.family("armed").label_ids() == ["rebels", "terrorists"]
    assert words(lex, "terrorists") == ["terrorists", "terror group*"]
    assert lex.families[0].labels[1].patterns[1] == Pattern("terror group*") and \
        lex.families[0].labels[1].patterns[1].line == 6
    plain = tmp_path / "Hedge Words.txt"
    plain.write_text("reportedly\nallegedly\nreportedly\n", encoding="utf-8")
    lex = read_wordlist(plain)
    assert lex.label_ids() == ["hedge_words"] and words(lex, "hedge_words") == ["reportedly", "allegedly"]
    with pytest.raises(ParameterError):
        read_wordlist(plain, family="Hedge Words")
    plain.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="no entries"):
        read_wordlist(plain)


def test_import_dispatch(tmp_path):
    framelens_yaml = tmp_path / "own.yaml"
    framelens_yaml.write_text('name: own\nversion: "1"\nfamilies:\n  f:\n    labels:\n      l: {patterns: [x]}\n')
    assert import_lexicon(framelens_yaml).name == "own" and load_lexicon(framelens_yaml).name == "own"
    with pytest.raises(ParameterError, match="no import options"):
        import_lexicon(framelens_yaml, family="x")
    odd = tmp_path / "words.lexicon"
    odd.write_text("rebels\n")
    with pytest.raises(LexiconError, match="cannot tell the lexicon format"):
        import_lexicon(odd)
    assert import_lexicon(odd, format="wordlist").label_ids() == ["words"]
    with pytest.raises(ParameterError, match="unknown lexicon format"):
        import_lexicon(odd, format="excel")
    with pytest.raises(ParameterError, match="read_liwc takes no option 'label'"):
        import_lexicon(odd, format="liwc", label="x")


def test_sanitise_id():
    assert sanitise_id("care.virtue") == "care_virtue"
    assert sanitise_id("Positive Emotion") == "positive_emotion"
    assert sanitise_id("2faced") == "x_2faced" and sanitise_id("???") == "x"
    assert sanitise_id("Émotion négative") == "emotion_negative"
    taken: set[str] = set()
    assert [sanitise_id(n, taken) for n in ["Harm", "harm", "HARM!"]] == ["harm", "harm_2", "harm_3"]


def test_no_warning_for_clean_imports(tmp_path):
    path = tmp_path / "clean.dic"
    path.write_text("%\n1\tharm\n%\nkill*\t1\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_liwc(path).label_ids() == ["harm"]


# ---------------------------------------------------------------------------------------------
# mistakes met importing real dictionaries (review of 2026-11)
# ---------------------------------------------------------------------------------------------
def test_a_framelens_file_with_a_misspelt_families_key_is_not_read_as_quanteda(tmp_path):
    # it used to become a quanteda dictionary: family "name" with the pattern "t", family "version" …
    typo = tmp_path / "actors.yaml"
    typo.write_text('name: t\nversion: "1"\nfamiles:\n  a:\n    labels:\n      x: {patterns: [rebel]}\n')
    with pytest.raises(LexiconError) as info:
        import_lexicon(typo)
    assert (info.value.line, info.value.entry) == (3, "familes") and "did you mean 'families'" in str(info.value)
    headless = tmp_path / "headless.yaml"
    headless.write_text('name: t\nversion: "1"\n')
    with pytest.raises(LexiconError, match="missing required key 'families'"):
        load_lexicon(headless)
    empty = tmp_path / "empty.yml"
    empty.write_text("")
    with pytest.raises(LexiconError, match="the file is empty"):
        import_lexicon(empty)
    # a quanteda dictionary whose categories happen to be called name and version stays one
    quanteda = tmp_path / "q.yml"
    quanteda.write_text("name: [naming, label*]\nversion:\n  official: [official account]\n")
    assert import_lexicon(quanteda).label_ids() == ["name", "official"]


def test_censored_words_read_as_globs_are_reported(tmp_path):
    lst = tmp_path / "negative.txt"
    lst.write_text("abuse\nsh*t\nf**k\nbull****\nmassacr*\n", encoding="utf-8")
    with pytest.warns(UserWarning, match=r"3 entries have '\*' inside .*line 2 'sh\*t'; line 3 'f\*\*k'; "
                                         r"line 4 'bull\*\*\*\*'\. .*'shot'"):
        lex = read_wordlist(lst)
    assert len(lex) == 5  # still imported as written: the warning says what they match
    dic = tmp_path / "swear.dic"
    dic.write_text("%\n1\tswear\n%\nd*mn\t1\ndamn*\t1\n", encoding="utf-8")
    with pytest.warns(UserWarning, match=r"1 entries have '\*' inside .*line 4 'd\*mn'"):
        read_liwc(dic)
    # in a quanteda dictionary a * inside a word is an ordinary glob: no warning
    q = tmp_path / "q.yml"
    q.write_text("spelling: [organi*ation, h?zb*llah]\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_quanteda(q)


def test_liwc_header_names_with_spaces(tmp_path):
    path = tmp_path / "emo.dic"
    path.write_text("%\n1\tPositive Emotion\n2\tnegemo\t(Negative Emotion)\n3\tfunction (Function Words)\n%\n"
                    "happy\tPositive Emotion\nsad\t2\nthe\t3\nglad\t1\tnegemo\n", encoding="utf-8")
    lex = read_liwc(path)
    assert lex.label_ids() == ["positive_emotion", "negemo", "function"]
    assert words(lex, "positive_emotion") == ["happy", "glad"] and words(lex, "negemo") == ["sad", "glad"]
    assert [lab.description for _, lab in lex.iter_labels()] == [
        "LIWC category 1 Positive Emotion", "LIWC category 2 negemo: Negative Emotion",
        "LIWC category 3 function: Function Words"]


def test_decomposed_entries_are_composed(tmp_path):
    import unicodedata

    path = tmp_path / "names.txt"
    path.write_text(unicodedata.normalize("NFD", "Ḥizbullāh\nnaïve\n"), encoding="utf-8")
    assert words(read_wordlist(path), "names") == ["Ḥizbullāh", "naïve"]


def test_quanteda_duplicate_keys_are_an_error(tmp_path):
    # they used to become two categories, "economy" and "economy_economy"
    path = tmp_path / "frames.yml"
    path.write_text("economy: [tax*]\nsecurity: [terror*]\neconomy: [budget*]\n")
    with pytest.raises(LexiconError) as info:
        read_quanteda(path)
    assert (info.value.line, info.value.entry) == (3, "economy") and "first written at line 1" in str(info.value)
    path.write_text("economy:\n  taxes: [tax*]\n  taxes: [levy]\n")
    with pytest.raises(LexiconError) as info:
        read_quanteda(path)
    assert (info.value.line, info.value.entry) == (3, "economy.taxes")


def test_utf16_word_lists_from_spreadsheets(tmp_path):
    # "Unicode text" from a spreadsheet is UTF-16 with a BOM; it was read as Windows-1252 ('ÿþh\x00e…')
    path = tmp_path / "labels.tsv"
    path.write_bytes("rebels\trebels\r\nterrorists\tterrorists\r\nḤizbullāh\tterrorists\r\n".encode("utf-16"))
    lex = read_wordlist(path)
    assert words(lex, "rebels") == ["rebels"] and words(lex, "terrorists") == ["terrorists", "Ḥizbullāh"]


def test_quanteda_keys_in_other_scripts_keep_their_names(tmp_path):
    # ids are ASCII; the key as written used to survive only in label descriptions, not families'
    path = tmp_path / "ru.yml"
    path.write_text("Терроризм: [террор*]\nЭкономика:\n  налоги: [налог*]\n", encoding="utf-8")
    lex = read_quanteda(path)
    assert lex.family_ids() == ["x", "x_2"]
    assert [fam.description for fam in lex.families] == ["Терроризм", "Экономика"]
    assert [lab.description for _, lab in lex.iter_labels()] == ["Терроризм", "Экономика.налоги"]
    assert words(lex, "x") == ["террор*"]
