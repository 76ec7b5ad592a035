"""The name index behind search, suggest and reconciliation.

People arrive with names, not IRIs. This module turns every entity of the
graph (organisations, people, projects, roles, lists) into a handful of name
*variants* (its name, alternate names and acronyms, "given family",
"initial family" and family name for people, a derived acronym, and its
description) and ranks them against a query with rapidfuzz, a C++ library,
rather than hand-written edit distances (the measurement that chose it is in
docs/search.md).

Text is normalised before it is compared, so case, accents, punctuation,
word order, common abbreviations ("Uni", "Univ.", "Dept") and leading titles
("Prof", "Dr") do not matter. A variant's score is a weighted token F0.5
(rare words weigh more than "university") blended with rapidfuzz's
token_sort_ratio; typos within a word count through rapidfuzz's ratio.

The index is built from the store once per store fingerprint and rebuilt
when the engine or its data changes (`index_for`, `rebuild`).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import re
import threading
import time
import unicodedata
import weakref
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from ..kg import KnowledgeGraph

ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"

#: Types that make a subject an entity worth finding, with their display names
#: (most specific first: the first the entity has is shown as its kind).
TYPE_NAMES: dict[str, str] = {
    f"{SCHEMA}CollegeOrUniversity": "University",
    f"{SCHEMA}MedicalOrganization": "NHS trust",
    f"{ORG}OrganizationalUnit": "Organisational unit",
    f"{ORG}OrganizationalCollaboration": "Partnership",
    f"{ORG}Organization": "Organisation",
    f"{SCHEMA}Organization": "Organisation (schema.org)",
    f"{FOAF}Person": "Person",
    f"{SCHEMA}Person": "Person (schema.org)",
    f"{SCHEMA}ResearchProject": "Research project",
    f"{ORG}Role": "Role",
    f"{SCHEMA}ItemList": "List",
    f"{SKOS}Concept": "Concept",
}

#: Types that repeat another one (every org:Organization is a schema:Organization): not shown.
ALIAS_TYPES = {f"{SCHEMA}Organization", f"{SCHEMA}Person"}

NAME_PROPERTIES = {f"{RDFS}label": "name", f"{SCHEMA}name": "name", f"{SCHEMA}alternateName": "alt",
                   f"{SKOS}altLabel": "alt", f"{SKOS}hiddenLabel": "alt", f"{SCHEMA}givenName": "given",
                   f"{SCHEMA}familyName": "family", f"{SCHEMA}description": "description"}

ABBREVIATIONS = {
    "uni": "university", "univ": "university", "dept": "department",
    "dep": "department", "inst": "institute", "hosp": "hospital", "hosps": "hospitals",
    "ctr": "centre", "center": "centre", "cntr": "centre", "centers": "centres", "natl": "national",
    "res": "research", "coll": "college", "sch": "school", "intl": "international",
    "fdn": "foundation", "lab": "laboratory", "labs": "laboratories", "sci": "science",
    "tech": "technology", "hlth": "health", "ft": "foundation trust", "govt": "government",
}
TITLES = {"prof", "professor", "dr", "doctor", "mr", "mrs", "ms", "miss", "mx", "sir", "dame", "rev",
          "revd", "emeritus"}
STOPWORDS = {"of", "the", "and", "for", "at", "in", "on", "a", "an"}

#: Weight of each kind of variant: a description match ranks below a name match.
KIND_WEIGHTS = {"name": 1.0, "alt": 1.0, "person": 1.0, "initials": 0.95, "acronym": 0.9,
                "family": 0.85, "description": 0.6}
EXACT_KINDS = ("name", "alt")
_NOTHING: dict[str, float] = {}
#: Query tokens whose similar vocabulary tokens an index remembers (a batch repeats its words).
_SIMILAR_CACHE = 4096
#: Query tokens compared with the vocabulary in one rapidfuzz call: more share its SIMD passes,
#: and the score matrix (words x vocabulary, float64) stays a few MiB.
_FUZZY_CHUNK = 64


# ---------------------------------------------------------------------------- text


def tokens(text: str) -> tuple[str, ...]:
    """Words of a name, normalised for comparison.

    >>> tokens("Dept. of Genetics & Genome Biology, Univ of Leicester")
    ('department', 'genetics', 'genome', 'biology', 'university', 'leicester')
    >>> tokens("Prof. Théo Arvanitis")
    ('theo', 'arvanitis')
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"['’`]", "", text)
    words: list[str] = []
    for word in re.findall(r"[^\W_]+", text):
        words += ABBREVIATIONS.get(word, word).split()
    words = [w for w in words if w not in STOPWORDS]
    while len(words) > 1 and words[0] in TITLES:
        words = words[1:]
    return tuple(words)


def key(text: str) -> str:
    """The exact-match key: two names with equal keys are the same name."""
    return " ".join(tokens(text))


def acronyms(text: str) -> list[tuple[str, ...]]:
    """Derived short forms: the initials of the whole name, of all but its last word, and of all
    but a leading acronym ("NIHR Biomedical Research Centres" -> "nihr brc").

    Upper-case words are kept whole, so a name that mixes an acronym with words works too.

    >>> acronyms("Health Data Research UK Midlands")
    [('hdrukm',), ('hdruk', 'midlands')]
    >>> acronyms("NIHR Biomedical Research Centres")[-1]
    ('nihr', 'brc')
    """
    words = [w for w in re.findall(r"[^\W_]+", text) if w.lower() not in STOPWORDS]

    def initials(part: list[str]) -> str:
        return "".join(w.lower() if w.isupper() and len(w) <= 5 else w[0].lower() for w in part)

    found = []
    if len(words) >= 2 and not all(w.isupper() for w in words):
        found.append((initials(words),))
    if len(words) >= 4:
        found.append((initials(words[:-1]), *tokens(words[-1])))
    if words and words[0].isupper() and len(words) >= 3:
        found.append((words[0].lower(), initials(words[1:])))
    return [f for f in found if " ".join(f) != key(text)]


def round_hundredths(values: np.ndarray) -> np.ndarray:
    """`round(value, 2)` of every value, as Python rounds it, at numpy's speed.

    numpy's own rounding scales by 100 first, and the product can fall on the other side of a
    half from the exact value; the few values that near a half are rounded by Python instead.

    >>> round_hundredths(np.array([2.675, 0.125, 1.0049999, 33.3333]))
    array([ 2.67,  0.12,  1.  , 33.33])
    """
    scaled = values * 100
    rounded = np.rint(scaled) / 100
    for i in np.flatnonzero(np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6).tolist():
        rounded[i] = round(float(values[i]), 2)
    return rounded


# ---------------------------------------------------------------------------- records


@dataclass
class Record:
    """What the store says about one entity, as plain strings."""

    iri: str
    types: list[str] = field(default_factory=list)
    names: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    ids: list[str] = field(default_factory=list)
    websites: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        for kind in ("name", "alt"):
            if self.names.get(kind):
                return sorted(self.names[kind], key=len)[0] if kind == "alt" else self.names[kind][0]
        return self.iri.rsplit("/", 1)[-1]

    @property
    def description(self) -> str:
        return (self.names.get("description") or [""])[0]


def collect(kg: KnowledgeGraph) -> list[Record]:
    """Every entity of the union graph with its names, types, external ids, websites and parents."""
    wanted = " ".join(f"<{t}>" for t in TYPE_NAMES)
    records: dict[str, Record] = {}
    query = f"SELECT DISTINCT ?s WHERE {{ VALUES ?t {{ {wanted} }} ?s a ?t FILTER(isIRI(?s)) }}"
    for row in kg.select(query):
        records[row["s"].value] = Record(row["s"].value)
    for row in kg.select("SELECT ?s ?t WHERE { ?s a ?t FILTER(isIRI(?s) && isIRI(?t)) }"):
        if row["s"].value in records:
            records[row["s"].value].types.append(row["t"].value)
    props = " ".join(f"<{p}>" for p in NAME_PROPERTIES)
    query = f"SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {props} }} ?s ?p ?o FILTER(isLiteral(?o)) }}"
    for row in kg.select(query):
        record = records.get(row["s"].value)
        if record is not None and row["o"].value not in record.names[NAME_PROPERTIES[row["p"].value]]:
            record.names[NAME_PROPERTIES[row["p"].value]].append(row["o"].value)
    links = {
        "ids": f"<{SCHEMA}sameAs>|<{SKOS}exactMatch>",
        "websites": f"<{FOAF}homepage>|<{SCHEMA}url>",
        "parents": f"<{ORG}subOrganizationOf>|<{SCHEMA}parentOrganization>|<{ORG}memberOf>",
    }
    for attribute, path in links.items():
        for row in kg.select(f"SELECT DISTINCT ?s ?o WHERE {{ ?s {path} ?o }}"):
            record = records.get(row["s"].value)
            if record is not None and row["o"].value not in getattr(record, attribute):
                getattr(record, attribute).append(row["o"].value)
    for record in records.values():  # the same lists whatever order the engine answers in
        record.ids.sort()
        record.websites.sort()
        record.parents.sort()
    return [r for r in records.values() if r.names.get("name") or r.names.get("alt")]


def id_key(value: str) -> str:
    """One spelling per external id: ROR and Wikidata ids by their local part, others as given.

    >>> id_key("https://ror.org/03angcq70"), id_key("ror.org/03ANGCQ70"), id_key("Q223429")
    ('ror:03angcq70', 'ror:03angcq70', 'wikidata:q223429')
    """
    text = value.strip().lower()
    ror = re.fullmatch(r"(?:https?://)?(?:www\.)?ror\.org/(0[a-z0-9]{8})/?", text) or \
        re.fullmatch(r"(0[a-z0-9]{6}[0-9]{2})", text)
    if ror:
        return f"ror:{ror.group(1)}"
    wikidata = re.fullmatch(r"(?:https?://(?:www\.)?wikidata\.org/(?:entity|wiki)/)?(q[0-9]+)", text)
    if wikidata:
        return f"wikidata:{wikidata.group(1)}"
    return text.rstrip("/")


def host(url: str) -> str:
    """The host of a website without "www.", so http/https and paths do not matter."""
    text = re.sub(r"^[a-z]+://", "", url.strip().lower())
    return re.sub(r"^www[0-9]?\.", "", text.split("/")[0])


# ---------------------------------------------------------------------------- index


@dataclass(frozen=True)
class Variant:
    entry: int
    tokens: tuple[str, ...]
    kind: str


@dataclass
class Hit:
    record: Record
    score: float
    matched: str  # the kind of variant that scored best
    features: dict[str, float] = field(default_factory=dict)


class Index:
    """Variants, an inverted token index and token weights over a list of records."""

    def __init__(self, records: Sequence[Record], fingerprint: str = ""):
        started = time.perf_counter()
        self.fingerprint = fingerprint
        self.records = list(records)
        self.by_iri = {r.iri: i for i, r in enumerate(self.records)}
        self.variants: list[Variant] = []
        self.exact: dict[str, set[int]] = defaultdict(set)
        self.ids: dict[str, set[int]] = defaultdict(set)
        for i, record in enumerate(self.records):
            self._add(i, record)
        self.postings: dict[str, list[int]] = defaultdict(list)
        for v, variant in enumerate(self.variants):
            for token in set(variant.tokens):
                self.postings[token].append(v)
        self.vocabulary = sorted(self.postings)
        count = len(self.variants) or 1
        self.idf = {t: math.log((count + 1) / (len(p) + 1)) + 1 for t, p in self.postings.items()}
        self.max_idf = math.log(count + 1) + 1
        self._arrays()
        self.build_seconds = time.perf_counter() - started

    def _arrays(self) -> None:
        """The variants as arrays, for scoring all of a query's candidates at once (`_scores`).

        The variants' tokens, one variant after another: variant v's are at `token_starts[v]`
        to `token_starts[v + 1]`, with their idf in `token_weights` and, in `token_columns`,
        their column in a query token's `_similarity_table` (flattened): the vocabulary
        position, plus the vocabulary's size in person and initials variants, which read the
        table's second row. Not a padded matrix: descriptions are many times longer than
        names, and padding a batch of candidates to the longest would cost more than the tokens.
        """
        position = {t: i for i, t in enumerate(self.vocabulary)}
        # one-letter tokens stand for a name's initial in these kinds of variant (`_score`'s rule)
        self.initial_kinds = np.array([v.kind in ("initials", "person") for v in self.variants], dtype=bool)
        self.token_counts = np.fromiter((len(v.tokens) for v in self.variants), dtype=np.int64,
                                        count=len(self.variants))
        self.token_starts = np.zeros(len(self.variants) + 1, dtype=np.int64)
        np.cumsum(self.token_counts, out=self.token_starts[1:])
        every = [t for v in self.variants for t in v.tokens]
        self.token_columns = np.fromiter((position[t] for t in every), dtype=np.int64, count=len(every))
        self.token_columns += np.repeat(self.initial_kinds, self.token_counts) * len(self.vocabulary)
        self.token_weights = np.fromiter((self.idf[t] for t in every), dtype=np.float64, count=len(every))
        self.weight_sums = (np.add.reduceat(self.token_weights, self.token_starts[:-1]) if every
                            else np.zeros(0))
        self.kind_weights = np.array([KIND_WEIGHTS[v.kind] for v in self.variants])
        self.sorted_texts = np.array([" ".join(sorted(v.tokens)) for v in self.variants], dtype=object)
        self.entry_of = np.array([v.entry for v in self.variants], dtype=np.int64)
        self.described = np.array([v.kind == "description" for v in self.variants], dtype=bool)
        self.position = position
        self.letters = {t: i for t, i in position.items() if len(t) == 1}
        self.initial_ranges = self._initial_ranges()
        lengths = np.fromiter(map(len, self.vocabulary), dtype=np.int64, count=len(self.vocabulary))
        self.by_length = np.argsort(lengths, kind="stable")  # vocabulary positions, shortest first
        self.sorted_lengths = lengths[self.by_length]
        self.vocabulary_by_length = [self.vocabulary[i] for i in self.by_length.tolist()]
        self._postings_arrays()
        self.name_rank = self._name_ranks()
        # a batch repeats its words (`similar_words`); the lock makes the cache safe across threads
        self._similar_cache: OrderedDict[str, dict[str, float]] = OrderedDict()
        self._similar_lock = threading.Lock()
        self._typed = functools.lru_cache(maxsize=64)(self._typed)

    def _initial_ranges(self) -> dict[str, tuple[int, int]]:
        """For each first letter, the vocabulary positions of the words it begins (a one-letter
        query token stands for any of them in person variants: `_similarity_table`)."""
        ranges: dict[str, tuple[int, int]] = {}
        for i, t in enumerate(self.vocabulary):  # sorted, so each letter's words are together
            start, _ = ranges.get(t[0], (i, i))
            ranges[t[0]] = (start, i + 1)
        return ranges

    def _postings_arrays(self) -> None:
        """The postings as one array, token after token in vocabulary order (`_candidates`).

        The variants holding the token at vocabulary position p are
        `posted[posted_at[p]:posted_at[p + 1]]`, in increasing order.
        """
        lengths = [len(self.postings[t]) for t in self.vocabulary]
        self.posted = np.fromiter(itertools.chain.from_iterable(self.postings[t] for t in self.vocabulary),
                                  dtype=np.int64, count=sum(lengths))
        self.posted_at = np.zeros(len(self.vocabulary) + 1, dtype=np.int64)
        np.cumsum(lengths, out=self.posted_at[1:])

    def _name_ranks(self) -> np.ndarray:
        """Each entity's place in the order of display names: ties in score are shown by name.

        Entities with the same name keep their index order, so equal hits always come out alike.
        """
        names = [r.name for r in self.records]
        rank = np.empty(len(names), dtype=np.int64)
        rank[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
        return rank

    def _typed(self, wanted: frozenset[str]) -> np.ndarray:
        """Which entities have at least one of the wanted types (remembered per set of types)."""
        return np.fromiter((not wanted.isdisjoint(r.types) for r in self.records), dtype=bool,
                           count=len(self.records))

    def _add(self, i: int, record: Record) -> None:
        def variant(text_tokens: Iterable[str], kind: str) -> None:
            found = tuple(text_tokens)
            if found:
                self.variants.append(Variant(i, found, kind))

        for kind in ("name", "alt"):
            for text in record.names.get(kind, []):
                variant(tokens(text), kind)
                self.exact[key(text)].add(i)
                for short in acronyms(text):
                    variant(short, "acronym")
        given, family = record.names.get("given", []), record.names.get("family", [])
        for g in given:
            for f in family:
                variant(tokens(f"{g} {f}"), "person")
                variant(tokens(f"{g[:1]} {f}"), "initials")
        for f in family:
            variant(tokens(f), "family")
        for text in record.names.get("description", [])[:1]:
            variant(tokens(text), "description")
        for value in record.ids:
            self.ids[id_key(value)].add(i)

    def __len__(self) -> int:
        return len(self.records)

    # ------------------------------------------------------------------ ranking

    def search(self, query: str, types: Sequence[str] = (), limit: int = 10) -> list[Hit]:
        """Entities ranked by how well one of their names matches the query (best first).

        Equal scores are ordered by name, then by the entity's place in the index; an entity's
        best variant is the first of its best-scoring ones (the first reading before the second).
        """
        wanted = frozenset(types)
        found_variants, found_scores = [], []
        for query_tokens in self._readings(query):
            sims = self._similar(query_tokens)
            candidates = self._candidates(sims)
            if wanted:
                candidates = candidates[self._typed(wanted)[self.entry_of[candidates]]]
            found_variants.append(candidates)
            found_scores.append(self._scores(query_tokens, sims, candidates))
        if limit <= 0 or not found_variants:
            return []
        entries, variants, scores = self._best_per_entity(np.concatenate(found_variants),
                                                          np.concatenate(found_scores))
        if len(entries) > limit:  # only the entities that can make the cut become hits
            cut = np.partition(scores, len(scores) - limit)[len(scores) - limit]
            kept = scores >= cut
            entries, variants, scores = entries[kept], variants[kept], scores[kept]
        shown = np.lexsort((entries, self.name_rank[entries], -scores))[:limit]
        return [Hit(self.records[e], score, self.variants[v].kind, {"name": score})
                for e, v, score in zip(entries[shown].tolist(), variants[shown].tolist(),
                                       scores[shown].tolist(), strict=True)]

    def _best_per_entity(self, variants: np.ndarray, scores: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each entity's best score and the variant that made it: the first one, among equals.

        lexsort is stable, so within an entity and a score the variants keep their order.
        """
        entries = self.entry_of[variants]
        order = np.lexsort((-scores, entries))
        grouped = entries[order]
        firsts = order[np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])] if len(order) else order
        return entries[firsts], variants[firsts], scores[firsts]

    def exact_matches(self, query: str, types: Sequence[str] = ()) -> set[str]:
        """IRIs whose name or alternate name is the query (normalised), of one of the types."""
        wanted = set(types)
        return {self.records[i].iri for i in self.exact.get(key(query), ())
                if not wanted or not wanted.isdisjoint(self.records[i].types)}

    def by_external_id(self, value: str) -> set[str]:
        return {self.records[i].iri for i in self.ids.get(id_key(value), ())}

    def suggest(self, prefix: str, types: Sequence[str] = (), limit: int = 10) -> list[Hit]:
        """Prefix completion: names that start with the prefix first, then the best fuzzy matches."""
        wanted, start = set(types), key(prefix)
        hits = self.search(prefix, types, limit=max(limit * 3, 20))
        if start:
            for hit in hits:
                names = hit.record.names.get("name", []) + hit.record.names.get("alt", [])
                if any(key(n).startswith(start) for n in names):
                    hit.score = min(100.0, hit.score + 20)
        hits = [h for h in hits if not wanted or not wanted.isdisjoint(h.record.types)]
        return sorted(hits, key=lambda h: (-h.score, h.record.name))[:limit]

    def _readings(self, query: str) -> list[tuple[str, ...]]:
        """The query's tokens, and with runs of short tokens joined, since they may spell an acronym."""
        found = tokens(query)
        readings = [found] if found else []
        merged: list[str] = []
        for i, token in enumerate(found):
            if i and len(token) <= 4 and len(found[i - 1]) <= 4 and merged:
                merged[-1] += token
            else:
                merged.append(token)
        if tuple(merged) != found:
            readings.append(tuple(merged))
        return readings

    def prepare(self, queries: Iterable[str]) -> None:
        """Look up the words of a batch of queries together, before the queries are ranked.

        Comparing words with the vocabulary costs most when done one word at a time:
        rapidfuzz's cdist compares many words in one pass (SIMD), about five times faster.
        The words are remembered (`similar_words`), so the batch's searches find them ready;
        only as many as are remembered, or the first would be forgotten before their query.
        """
        words = dict.fromkeys(t for text in queries for reading in self._readings(text) for t in reading)
        self.similar_words(list(words)[:_SIMILAR_CACHE])

    def _similar(self, query_tokens: tuple[str, ...]) -> dict[str, dict[str, float]]:
        """For each query token, the vocabulary tokens it may stand for, with a similarity in 0..1."""
        return self.similar_words(query_tokens)

    def similar_words(self, words: Iterable[str]) -> dict[str, dict[str, float]]:
        """For each word, the vocabulary tokens it may stand for (`_similar_to`), remembered.

        The words not remembered yet are compared with the vocabulary together (`_fuzzy`);
        the most recently used `_SIMILAR_CACHE` words are kept, safely across the server's threads.
        """
        found: dict[str, dict[str, float]] = {}
        missing = []
        with self._similar_lock:
            for word in dict.fromkeys(words):
                if word in self._similar_cache:
                    self._similar_cache.move_to_end(word)
                    found[word] = self._similar_cache[word]
                else:
                    missing.append(word)
        if missing:
            fuzzy = self._fuzzy([w for w in missing if len(w) >= 4])
            computed = {w: self._similar_to(w, fuzzy.get(w, ())) for w in missing}
            with self._similar_lock:
                self._similar_cache.update(computed)
                while len(self._similar_cache) > _SIMILAR_CACHE:
                    self._similar_cache.popitem(last=False)
            found.update(computed)
        return found

    def _fuzzy(self, words: list[str]) -> dict[str, list[tuple[str, float]]]:
        """For each word, the vocabulary tokens within rapidfuzz's ratio >= 80, best first, at most 50.

        The same list, in the same order, as `process.extract(word, vocabulary, scorer=fuzz.ratio,
        score_cutoff=80, limit=50)` (equal scores in vocabulary order), from one cdist call per
        `_FUZZY_CHUNK` words instead of one extract call per word. Words go in order of length,
        so that each call compares them only with the words of a length they can match
        (`_length_window`).
        """
        found: dict[str, list[tuple[str, float]]] = {}
        words = sorted(words, key=len)
        for start in range(0, len(words), _FUZZY_CHUNK):
            chunk = words[start:start + _FUZZY_CHUNK]
            low, high = self._length_window(len(chunk[0]), len(chunk[-1]))
            matrix = process.cdist(chunk, self.vocabulary_by_length[low:high], scorer=fuzz.ratio,
                                   score_cutoff=80, dtype=np.float64)
            for word, row in zip(chunk, matrix, strict=True):
                close = np.flatnonzero(row >= 80)
                positions, scores = self.by_length[low + close], row[close]
                best = np.lexsort((positions, -scores))[:50]
                found[word] = [(self.vocabulary[t], score) for t, score in zip(
                    positions[best].tolist(), scores[best].tolist(), strict=True)]
        return found

    def _length_window(self, shortest: int, longest: int) -> tuple[int, int]:
        """The slice of `vocabulary_by_length` that words of these lengths can be within ratio 80 of.

        ratio = 100 x (1 - indel distance / (la + lb)) and the distance is at least |la - lb|,
        so ratio >= 80 needs 2 x min(la, lb) >= 0.8 x (la + lb): lb within 2/3 and 3/2 of la.
        """
        low = np.searchsorted(self.sorted_lengths, (2 * shortest) // 3, side="left")
        high = np.searchsorted(self.sorted_lengths, -(-3 * longest // 2), side="right")
        return int(low), int(high)

    def _similar_to(self, q: str, fuzzy: Iterable[tuple[str, float]]) -> dict[str, float]:
        """The vocabulary tokens one query token may stand for (a column of `_similar`).

        `fuzzy` is the word's typo neighbours from `_fuzzy` (ratio 0..100).
        """
        found: dict[str, float] = {}
        if q in self.postings:
            found[q] = 1.0
        if len(q) >= 3:
            at = bisect.bisect_left(self.vocabulary, q)
            for t in self.vocabulary[at:at + 200]:
                if not t.startswith(q):
                    break
                found.setdefault(t, 0.85)
            for k in range(3, len(q)):
                if q[:k] in self.postings:
                    found.setdefault(q[:k], 0.85)
        for t, score in fuzzy:
            found.setdefault(t, score / 100)
        return found

    def _candidates(self, sims: dict[str, dict[str, float]]) -> np.ndarray:
        """Variants sharing a token with the query; only through its rarer tokens when it has some.

        A variant whose only shared word is "university" cannot win against one that shares
        "warwick", so common words do not bring candidates when rarer ones do (large graphs).
        The variants come in increasing order.
        """
        common = max(50, len(self.variants) // 50)
        seen = np.array(sorted({self.position[t] for found in sims.values() for t in found}), dtype=np.int64)
        sizes = self.posted_at[seen + 1] - self.posted_at[seen]
        rare = seen[sizes <= common]
        chosen = rare if len(rare) else seen
        marked = np.zeros(len(self.variants), dtype=bool)  # cheaper than np.unique of the postings
        for p in chosen.tolist():
            marked[self.posted[self.posted_at[p]:self.posted_at[p + 1]]] = True
        return np.flatnonzero(marked)

    def _scores(self, query_tokens: tuple[str, ...], sims: dict[str, dict[str, float]],
                candidates: np.ndarray) -> np.ndarray:
        """`_score` of every candidate, computed for all of them at once with numpy.

        Each query token's similarity to every token of every candidate is read from its
        `_similarity_table`: the maxima over each candidate's tokens give precision, the
        maxima over the query tokens at each candidate token give recall.
        """
        if not len(candidates):
            return np.zeros(0)
        at, firsts = self._tokens_of(candidates)
        tables = np.stack([self._similarity_table(q, sims).ravel() for q in query_tokens])
        similar = tables.take(self.token_columns[at], axis=1)  # query token x candidate token
        query_weights = np.array([self.idf.get(q, self.max_idf) for q in query_tokens])
        found = np.maximum.reduceat(similar, firsts, axis=1)  # query token x candidate
        precision = (query_weights[:, None] * found).sum(axis=0) / query_weights.sum()
        covered = np.add.reduceat(self.token_weights[at] * similar.max(axis=0), firsts)
        recall = covered / self.weight_sums[candidates]
        with np.errstate(invalid="ignore", divide="ignore"):
            f_half = np.where(precision + recall > 0,
                              1.25 * precision * recall / (0.25 * precision + recall), 0.0)
        # token_sort_ratio is ratio over the sorted words: the variants' are sorted once, at build
        texts = self.sorted_texts[candidates].tolist()
        sort_ratio = process.cdist([" ".join(sorted(query_tokens))], texts, scorer=fuzz.ratio,
                                   dtype=np.float64)[0] / 100
        named = round_hundredths(100 * self.kind_weights[candidates] * (0.8 * f_half + 0.2 * sort_ratio))
        return np.where(self.described[candidates], 100 * KIND_WEIGHTS["description"] * precision, named)

    def _tokens_of(self, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where the candidates' tokens are in the token arrays, one candidate after another,
        and where each candidate's begin in that list (for numpy's reduceat)."""
        counts = self.token_counts[candidates]
        ends = np.cumsum(counts)
        firsts = ends - counts
        return np.repeat(self.token_starts[candidates] - firsts, counts) + np.arange(ends[-1]), firsts

    def _similarity_table(self, q: str, sims: dict[str, dict[str, float]]) -> np.ndarray:
        """`_score`'s similarity of one query token to every vocabulary token.

        Row 0 is for variants of any kind, row 1 for person and initials variants, where a
        one-letter token stands for an initial: a one-letter query token is 0.9 similar to every
        word it begins (and to nothing in row 0), a longer one 0.9 similar to its own initial.
        """
        table = np.zeros((2, len(self.vocabulary)))
        if len(q) == 1:
            start, end = self.initial_ranges.get(q, (0, 0))
            table[1, start:end] = 0.9
            return table
        for t, value in sims.get(q, _NOTHING).items():  # never a one-letter token (`_similar_to`)
            table[:, self.position[t]] = value
        if q[0] in self.letters:
            table[1, self.letters[q[0]]] = 0.9
        return table

    def _score(self, query_tokens: tuple[str, ...], variant: Variant,
               sims: dict[str, dict[str, float]]) -> float:
        """Weighted token F0.5 (rare words weigh more) blended with token_sort_ratio, 0..100."""
        def sim(q: str, t: str) -> float:
            if len(q) == 1 or len(t) == 1:
                return 0.9 if q[0] == t[0] and variant.kind in ("initials", "person") else 0.0
            return sims.get(q, {}).get(t, 0.0)

        weight = [self.idf.get(q, self.max_idf) for q in query_tokens]
        covered = sum(w * max(sim(q, t) for t in variant.tokens) for q, w in zip(query_tokens, weight,
                                                                                   strict=True))
        precision = covered / sum(weight)
        if variant.kind == "description":
            return 100 * KIND_WEIGHTS["description"] * precision
        own = [self.idf.get(t, self.max_idf) for t in variant.tokens]
        recall = sum(w * max(sim(q, t) for q in query_tokens) for t, w in zip(variant.tokens, own,
                                                                                strict=True)) / sum(own)
        # F-beta with beta 0.5: covering the query matters more than covering the whole name,
        # so a partial name typed in a search box still finds its entity.
        f_half = 1.25 * precision * recall / (0.25 * precision + recall) if precision + recall else 0.0
        sort_ratio = fuzz.token_sort_ratio(" ".join(query_tokens), " ".join(variant.tokens)) / 100
        return round(100 * KIND_WEIGHTS[variant.kind] * (0.8 * f_half + 0.2 * sort_ratio), 2)


# ---------------------------------------------------------------------------- lifecycle

_INDEXES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def fingerprint(kg: KnowledgeGraph) -> str:
    """What the index follows: the store's input fingerprint (or "remote" for a remote store)."""
    return kg.build.fingerprint if kg.build is not None else f"remote:{kg.settings.get('store', '')}"


def index_for(kg: KnowledgeGraph) -> Index:
    """The index of this graph's current store: built on first use, rebuilt when the store changes."""
    with _LOCK:
        cached = _INDEXES.get(kg.engine)
        if cached is None or cached.fingerprint != fingerprint(kg):
            cached = Index(collect(kg), fingerprint(kg))
            _INDEXES[kg.engine] = cached
        return cached


def rebuild(kg: KnowledgeGraph) -> Index:
    """Build the index again now (after data was written to the same engine)."""
    with _LOCK:
        _INDEXES.pop(kg.engine, None)
    return index_for(kg)


def kind_of(record: Record) -> str:
    """The display name of the most specific known type of an entity."""
    return next((name for t, name in TYPE_NAMES.items() if t in record.types), "Thing")
