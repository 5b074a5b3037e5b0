"""Extractive answers to framework questions: the sentences that answer, each with its source.

The store returns the nearest passages; each is split into sentences (a Markdown table row
becomes one sentence with its column headers), every sentence is scored by MiniLM similarity
to the question plus keyword overlap, and the best 2-4 sentences are kept: in reading order
within each passage, the passage with the best sentence first.
Only the passages those sentences come from are cited.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_SENTENCES = 4
MIN_SENTENCES = 2
#: A sentence is kept when it scores at least this share of the best sentence's score.
KEEP_RATIO = 0.82
KEYWORD_WEIGHT = 0.35
#: Weight of the question's words found in the sentence's section heading.
SECTION_WEIGHT = 0.2
#: Added to sentences with a figure when the question asks for one ("how much", "criteria").
FIGURE_BONUS = 0.12
FIGURE_QUESTION_RE = re.compile(
    r"\b(how (?:much|many|long|often|soon)|what (?:fee|margin|share|percentage|range)|"
    r"weights?|criteria|thresholds?|minimum|maximum|range|percent|percentage|fees?|margins?|"
    r"months?|years?|days?|when|band|cut-?off|limit|cadence|frequency|pipeline)\b", re.I)
#: What kind of thing a question asks for, and how a sentence that states one reads.
ANSWER_KINDS: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = (
    (re.compile(r"\b(share|percent\w*|weights?|weighted|weighting|margin|fees?|split|"
                r"discount|commission)\b|%", re.I),
     re.compile(r"\d+(?:\.\d+)?\s?%")),
    (re.compile(r"\b(how much|budget|invest\w*|spend|dollars?|revenue per|worth)\b|\$", re.I),
     re.compile(r"\$\s?\d")),
    (re.compile(r"\b(how long|how often|how soon|when|months?|days?|hours?|weeks?|cadence|"
                r"sla|deadline|within|frequency|timeline|turnaround|meet)\b", re.I),
     re.compile(r"\b\d+\s*(?:-\s*\d+\s*)?(?:hours?|days?|weeks?|months?|quarters?|years?)\b|"
                r"\b(?:monthly|quarterly|weekly|annual(?:ly)?|yearly|every \w+)\b", re.I)),
    (re.compile(r"\bhow many\b", re.I),
     re.compile(r"\b\d+\+?\s+(?:[a-z-]+\s+){0,2}[a-z]+s\b", re.I)),
    (re.compile(r"\b(who|owner|owns|accountable|responsible|sponsor|sign[- ]?off|approv\w*|"
                r"input)\b", re.I),
     re.compile(r"\b(?:CEO|CFO|CRO|COO|CPO|VP|head of|Finance|Legal|executive|sponsor|"
                r"owner|accountable|responsible|steering)\b")),
    (re.compile(r"\b(rules?|what happens|trigger\w*|demot\w*|promot\w*|exit\w*|warn\w*|"
                r"cut-?off|threshold|criteria|qualif\w*|red flags?|allowed)\b", re.I),
     re.compile(r"\b(?:consecutive|at least|or more|or higher|below|above|after|within|must|"
                r"no more than|minimum|never|only)\b", re.I)),
)
#: Added for each kind of thing the question asks for that the sentence states.
ANSWER_KIND_BONUS = 0.1
DIGIT_RE = re.compile(r"\d")
NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
#: Added when a sentence states a number the question asks about ("below 50").
SAME_NUMBER_BONUS = 0.15
RANK_PENALTY = 0.015
MIN_CHARS = 25
MAX_CHARS = 420

#: Question words and the words the framework documents use for them.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "top": ("highest",), "bottom": ("lowest",), "highest": ("top",), "lowest": ("bottom",),
    "margin": ("discount",), "fee": ("commission",), "kicked": ("exit", "exited"),
    "removed": ("exit", "exited"), "dropped": ("exit", "demoted"), "meet": ("meets", "cadence"),
    "often": ("cadence", "monthly", "quarterly"), "money": ("revenue", "fee"),
}
WORD_RE = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
BULLET_RE = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"(*])")
QUESTION_STOP = frozenset("""
a an the and or of for to in on at by with from is are was were be do does did what which
who how why when where can could should would will shall may might must our we us you your
i me my it its this that these those there their them they tell explain describe about please
framework partner partners partnership get gets got have has had any some much many mean
""".split())


@dataclass
class Sentence:
    """One candidate sentence with where it came from.

    Args:
        text: The sentence (a table row rendered with its headers).
        passage: Index of its passage in the search result.
        position: Order within the passage.
        doc_id: Source document id.
        title: Source document title.
        section: Source section.
        chunk_id: Source chunk id.
        score: Relevance score.
        bullet: Whether it is a list item.
    """

    text: str
    passage: int
    position: int
    doc_id: str
    title: str
    section: str
    chunk_id: str | None
    score: float = 0.0
    bullet: bool = False


def _table_rows(lines: list[str]) -> list[str]:
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in lines]
    rows = [r for r in rows if not all(re.fullmatch(r":?-{2,}:?", c or "--") for c in r)]
    if len(rows) < 2:
        return [" ".join(r) for r in rows]
    header, body = rows[0], rows[1:]
    out = []
    for row in body:
        cells = [f"{h}: {c}" for h, c in zip(header, row, strict=False) if c]
        if cells:
            out.append("; ".join(cells) + ".")
    return out


def _clean(text: str) -> str:
    text = re.sub(r"\*\*|__|`", "", text)
    text = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", text)
    return " ".join(text.split())


def split_items(text: str) -> list[tuple[str, bool]]:
    """Sentences of a Markdown passage with whether each is a list item or table row."""
    out: list[tuple[str, bool]] = []
    table: list[str] = []
    paragraph: list[str] = []

    def flush_paragraph() -> None:
        if paragraph:
            joined = " ".join(paragraph)
            if BULLET_RE.match(joined) and len(_clean(joined)) <= MAX_CHARS:
                out.append((_clean(joined), True))
            else:
                out.extend((s, False) for s in (_clean(p) for p in SENTENCE_SPLIT_RE.split(joined))
                           if s)
            paragraph.clear()

    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("|"):
            flush_paragraph()
            table.append(stripped)
            continue
        if table:
            out.extend((row, True) for row in _table_rows(table))
            table = []
        if not stripped or stripped.startswith("#"):
            flush_paragraph()
        elif re.match(r"^(?:[-*+]|\d+[.)])\s+", stripped):
            flush_paragraph()
            paragraph.append(stripped)
        else:
            paragraph.append(stripped)
    if table:
        out.extend((row, True) for row in _table_rows(table))
    flush_paragraph()
    return [(s, b) for s, b in out if MIN_CHARS <= len(s) <= MAX_CHARS and not s.endswith(":")]


def content_words(text: str) -> set[str]:
    """Lower-cased words that carry meaning (stop words dropped, simple plural folding)."""
    words = set()
    for word in WORD_RE.findall(text.lower()):
        if word in QUESTION_STOP or len(word) < 2:
            continue
        words.add(word[:-1] if len(word) > 4 and word.endswith("s") else word)
    return words


def candidate_sentences(passages: list[Any]) -> list[Sentence]:
    """Every sentence of every passage, tagged with its source."""
    found: list[Sentence] = []
    for i, passage in enumerate(passages):
        for j, (text, bullet) in enumerate(split_items(passage.text)):
            found.append(Sentence(text, i, j, passage.doc_id, passage.title, passage.section,
                                  getattr(passage, "chunk_id", None), bullet=bullet))
    return found


class SentenceVectors:
    """Embeds sentences once per process (framework text repeats across questions).

    Args:
        embedder: Any object with ``embed(list[str]) -> array`` of unit rows.
    """

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder
        self._cache: dict[str, np.ndarray] = {}

    def get(self, texts: list[str]) -> np.ndarray:
        """Unit vectors for ``texts`` (computing only unseen ones)."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            vectors = np.asarray(self.embedder.embed(missing), dtype=np.float32)
            self._cache.update(zip(missing, vectors, strict=True))
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        return np.vstack([self._cache[t] for t in texts])


def rank_sentences(question: str, question_vector: np.ndarray, sentences: list[Sentence],
                   vectors: SentenceVectors) -> list[Sentence]:
    """Score every sentence for ``question``; best first."""
    if not sentences:
        return []
    matrix = vectors.get([s.text for s in sentences])
    sims = matrix @ np.asarray(question_vector, dtype=np.float32).reshape(-1)
    asked = content_words(question)
    asked |= {alt for word in list(asked) for alt in SYNONYMS.get(word, ())}
    wants_figure = bool(FIGURE_QUESTION_RE.search(question))
    asked_numbers = set(NUMBER_RE.findall(question))
    kinds = [(ask, states) for ask, states in ANSWER_KINDS if ask.search(question)][:2]
    words_of = [content_words(s.text) for s in sentences]
    idf = {w: math.log(1 + len(sentences) / (1 + sum(w in ws for ws in words_of)))
           for w in asked}
    asked_weight = sum(idf.values())
    for sentence, sim, words in zip(sentences, sims.tolist(), words_of, strict=True):
        overlap = (sum(idf[w] for w in asked & words) / asked_weight) if asked_weight else 0.0
        bonus = FIGURE_BONUS if wants_figure and DIGIT_RE.search(sentence.text) else 0.0
        if asked_numbers & set(NUMBER_RE.findall(sentence.text)):
            bonus += SAME_NUMBER_BONUS
        bonus += ANSWER_KIND_BONUS * sum(1 for ask, states in kinds
                                         if states.search(sentence.text))
        section = content_words(sentence.section)
        in_section = (sum(idf[w] for w in asked & section) / asked_weight) if asked_weight \
            else 0.0
        sentence.score = (float(sim) + KEYWORD_WEIGHT * overlap + bonus
                          + SECTION_WEIGHT * in_section - RANK_PENALTY * sentence.passage)
    return sorted(sentences, key=lambda s: -s.score)


LIST_QUESTION_RE = re.compile(
    r"^\s*(?:what|which) (?:are|were)\b|\blist\b|\bname (?:the|all)\b|"
    r"\b(?:walk|run|take) me through\b|\bwhat counts as\b|\bwhat are (?:the|its|our)\b|"
    r"\b(?:each|all) (?:of )?the\b|"
    r"\blowest to highest\b|\bhighest to lowest\b|\bin order\b|\bcategories\b|"
    r"^\s*which (?:firms|partners|models|steps|dimensions|criteria|gaps)\b|"
    r"\bwhat (?:do|does) .{0,40}\b(?:get|include|receive|cover)\b", re.I)
MAX_LIST_ITEMS = 8


def select_list(ranked: list[Sentence]) -> list[Sentence]:
    """For a list question: the items of the best sentence's passage (max six)."""
    best = ranked[0].score
    tops = [ranked[0]] + [s for s in ranked[1:] if s.bullet and s.score >= best * KEEP_RATIO
                          and s.doc_id == ranked[0].doc_id][:1]
    items: list[Sentence] = []
    for top in tops:
        items = sorted((s for s in ranked if s.bullet and s.passage == top.passage),
                       key=lambda s: s.position)
        if len(items) >= MIN_SENTENCES:
            break
    if len(items) < MIN_SENTENCES:
        return []
    if len(items) > MAX_LIST_ITEMS:
        keep = {id(s) for s in sorted(items, key=lambda s: -s.score)[:MAX_LIST_ITEMS]}
        items = [s for s in items if id(s) in keep]
    return items


def select(ranked: list[Sentence], question: str = "") -> list[Sentence]:
    """Keep the 2-4 best sentences (close to the best), or a list's items.

    Sentences keep their reading order within a passage; the passage holding the best
    sentence comes first.
    """
    if not ranked:
        return []
    if question and LIST_QUESTION_RE.search(question):
        items = select_list(ranked)
        if items:
            return items
    best = ranked[0].score
    kept = [s for s in ranked[:MAX_SENTENCES]
            if s.score >= best * KEEP_RATIO]
    if len(kept) < MIN_SENTENCES:
        kept = ranked[:MIN_SENTENCES]
    seen: set[str] = set()
    unique = []
    for s in kept:
        if s.text not in seen:
            seen.add(s.text)
            unique.append(s)
    lead: dict[int, float] = {}  # each passage by its best sentence: strongest evidence first
    for s in unique:
        lead[s.passage] = max(lead.get(s.passage, s.score), s.score)
    return sorted(unique, key=lambda s: (-lead[s.passage], s.passage, s.position))


def extract_answer(question: str, question_vector: np.ndarray, passages: list[Any],
                   vectors: SentenceVectors) -> list[Sentence]:
    """The sentences that answer ``question`` from ``passages``, in reading order."""
    ranked = rank_sentences(question, question_vector, candidate_sentences(passages), vectors)
    return select(ranked, question)
