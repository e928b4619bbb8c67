#!/usr/bin/env python3
"""Independent reference of BERT's uncased BasicTokenizer + WordpieceTokenizer (as in Hugging Face's
BertTokenizer, do_lower_case=True, strip_accents=None, tokenize_chinese_chars=True), standard library only.

Usage: bert_reference.py VOCAB.txt SENTENCES.txt > ids.txt
Writes one line per sentence: the ids of [CLS] tokens [SEP], space separated."""
import sys, unicodedata

def is_ws(c): return c in " \t\n\r" or unicodedata.category(c) == "Zs"
def is_ctrl(c): return c not in "\t\n\r" and unicodedata.category(c).startswith("C")
def is_punct(c):
    o = ord(c)
    if 33 <= o <= 47 or 58 <= o <= 64 or 91 <= o <= 96 or 123 <= o <= 126: return True
    return unicodedata.category(c).startswith("P")
def is_cjk(o):
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x2A6DF or 0x2A700 <= o <= 0x2B73F
            or 0x2B740 <= o <= 0x2B81F or 0x2B820 <= o <= 0x2CEAF or 0xF900 <= o <= 0xFAFF or 0x2F800 <= o <= 0x2FA1F)

def basic(text):
    text = "".join(" " if is_ws(c) else c for c in text if not (ord(c) in (0, 0xFFFD) or is_ctrl(c)))
    text = "".join(f" {c} " if is_cjk(ord(c)) else c for c in text)
    out = []
    for tok in text.split():
        tok = "".join(c for c in unicodedata.normalize("NFD", tok.lower()) if unicodedata.category(c) != "Mn")
        cur = ""
        for c in tok:
            if is_punct(c):
                if cur: out.append(cur)
                out.append(c); cur = ""
            else: cur += c
        if cur: out.append(cur)
    return out

def wordpiece(tok, vocab, max_chars=100):
    if len(tok) > max_chars: return ["[UNK]"]
    pieces, start = [], 0
    while start < len(tok):
        end = len(tok)
        while end > start:
            sub = tok[start:end] if start == 0 else "##" + tok[start:end]
            if sub in vocab: break
            end -= 1
        if end == start: return ["[UNK]"]
        pieces.append(sub); start = end
    return pieces

def main():
    vocab = {}
    with open(sys.argv[1], encoding="utf-8") as f:
        for i, line in enumerate(f): vocab[line.rstrip("\n")] = i
    with open(sys.argv[2], encoding="utf-8") as f:
        for line in f:
            toks = [p for t in basic(line.rstrip("\n")) for p in wordpiece(t, vocab)]
            print(" ".join(str(vocab[t]) for t in ["[CLS]", *toks, "[SEP]"]))

if __name__ == "__main__": main()
