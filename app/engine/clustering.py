"""Incremental clustering of claims into narratives.

Each new claim is compared with its nearest neighbours in the vector index,
within a time window, so the cost of one claim does not grow with the corpus.

A neighbour *links* to the claim when they are near-duplicates: they state no
conflicting numbers, and within one language, a fused score of embedding cosine and IDF-weighted word overlap passes
the model's threshold; across languages (where words are not shared), the
cosine alone must pass a threshold of its own. A linked claim *joins* a
neighbour's narrative only if it is also close to that narrative's centroid: the
narrative as a whole, not merely one member. That is what stops single-link
chaining (A like B, B like C, so A with C). A claim with no narrative to join
starts one with its best unclaimed linked neighbour from another outlet (one site
repeating itself in one feed or in several, a game tracker's "X was newly added"
under every item, is not a narrative); otherwise it waits alone until a later claim links to it.

Those claim-level clusters are the *facets* of a narrative. When the same
articles carry claims of two narratives (two outlets both say X and Y), the two
are one storyline and are merged, facets intact: joining still needs closeness to
one facet's centroid, so a storyline grows without its centroid blurring. The
articles shared must be a large part of *both* narratives, so that a big narrative
cannot absorb small ones whose few articles it happens to contain, and come from two
outlets (sites) at least, since one site repeating itself is not two outlets (see
``_join_storyline``).
"""

from __future__ import annotations

import dataclasses
import threading
from functools import cached_property
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from .boilerplate import template_key
from .errors import Cancelled
from .factchecks.library import factcheck_flags
from .domain import Flag
from .flags import language_name
from .narrative_state import ORIGIN_DOUBT, NarrativeState
from .lexical import LexicalScorer, numbers_disagree, store_frequencies
from .link_evidence import describe
from .outlets import outlet
from .settings import Settings
from .store import Store, write_transaction
from .store import feeds as feed_store
from .store import memberships as members
from .store.articles import boilerplate_lines
from .store.vectors import load_vectors
from .progress import Progress


NEIGHBOURS = 24
# Clustering a backlog at once, the index already holds the claims published after the one
# being assigned; the search widens (by SEARCH_GROWTH) until NEIGHBOURS earlier claims are
# found, up to this many results, which bounds the cost of one claim.
SEARCH_LIMIT = 16 * NEIGHBOURS
SEARCH_GROWTH = 4
# The first search, made for a whole batch at once: one search of many queries costs FAISS
# far less than as many searches of one.
FIRST_SEARCH = SEARCH_GROWTH * NEIGHBOURS
BATCH = 200
# Below this cosine no model here calls two sentences the same claim, whatever words they
# share; skipping them early keeps the cost per claim low.
COSINE_FLOOR = 0.3
# Two narratives are one storyline when at least this many articles carry both, and those
# articles are at least this share of each narrative's articles (of the larger one too).
STORY_MIN_SHARED = 2
STORY_OVERLAP = 0.5
# ... and those articles come from at least this many outlets ("two outlets both say X and Y").
STORY_MIN_OUTLETS = 2
# The doubt about a flagged narrative's first source looks near the centres of this many
# largest facets (see _origin_doubt).
DOUBT_FACETS = 3


@dataclass(frozen=True)
class Thresholds:
    """When two claims are near-duplicates, for one embedding model.

    Cosine scales differ between models, so each model has its own values, measured by
    ``bench/narratives.py`` (see bench/RESULTS.md). ``cross_language`` and
    ``same_language_cosine`` are the cosines that only 1% of STS-B's unrelated sentence pairs
    (human score <= 1) reach with the model, across two languages and within one; the fused
    ``same_language`` score and ``centroid`` keep CLEF's tweets at precision >= 0.95. Starting
    a new cluster asks ``seed_margin`` more than joining one: two lone generic sentences
    ("Shares rose on the news") are the commonest false narrative.
    """

    same_language: float
    cross_language: float
    centroid: float
    lexical_weight: float = 0.5
    seed_margin: float = 0.0  # a new cluster needs this much more than joining one
    same_language_cosine: float = 1.01  # within a language, the cosine that links without shared words


MODEL_THRESHOLDS: dict[str, Thresholds] = {
    "use-multilingual": Thresholds(same_language=0.45, cross_language=0.58, centroid=0.67, seed_margin=0.03,
                                   same_language_cosine=0.67),
    "e5-small": Thresholds(same_language=0.60, cross_language=0.88, centroid=0.90, same_language_cosine=0.93),
    "minilm": Thresholds(same_language=0.45, cross_language=0.75, centroid=0.72, same_language_cosine=0.84),
}
# A model folder the user brings has unknown scales; these are the strict values.
FALLBACK_THRESHOLDS = Thresholds(same_language=0.55, cross_language=0.85, centroid=0.85)


def thresholds_for(model: str, settings: Settings | None = None) -> Thresholds:
    """The model's calibrated thresholds, with what the user set in the settings instead (0: keep)."""
    calibrated = MODEL_THRESHOLDS.get(model, FALLBACK_THRESHOLDS)
    if settings is None:
        return calibrated
    return dataclasses.replace(calibrated,
                               same_language=settings.same_language_threshold or calibrated.same_language,
                               cross_language=settings.cross_language_threshold or calibrated.cross_language)


@dataclass(frozen=True)
class ClaimInfo:
    id: int
    text: str
    language: str | None
    article_id: int
    feed_id: int
    published_at: str
    is_title: bool = False
    outlet: str = ""  # the site (see outlets.py): two feeds of one site are one outlet

    @cached_property
    def template(self) -> int:
        """The sentence's template (see boilerplate.py), to tell its feed's boilerplate lines."""
        return template_key(self.text)


@dataclass(frozen=True)
class Link:
    """A neighbour that is a near-duplicate of a claim, and what made it one."""

    neighbour: ClaimInfo
    score: float  # the fused score within a language, the cosine across languages
    cosine: float
    words: float | None  # IDF-weighted word overlap, within one language
    excess: float = 0.0  # how far past its bar the link is (a new cluster asks seed_margin)

    def evidence(self, claim: ClaimInfo, centre: float | None = None) -> str:
        return describe(neighbour_id=self.neighbour.id, claim_text=claim.text, neighbour_text=self.neighbour.text,
                        claim_language=claim.language, neighbour_language=self.neighbour.language,
                        cosine=self.cosine, words=self.words, articles=claim.is_title and self.neighbour.is_title,
                        centre=centre)


def _claim_infos(conn, ids: Sequence[int]) -> dict[int, ClaimInfo]:
    return {r[0]: ClaimInfo(*r[:7], outlet=r[7]) for r in members.claim_rows(conn, ids)}


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class Clusterer:
    """Assigns claims to narratives against one store and one vector index."""

    def __init__(self, store: Store, index, *, model: str, dim: int, settings: Settings,
                 thresholds: Thresholds | None = None) -> None:
        self.store = store
        self.index = index
        self.model = model
        self.dim = dim
        self.window = timedelta(days=settings.window_days)
        self.thresholds = thresholds or thresholds_for(model, settings)
        self.lexical = LexicalScorer(store_frequencies(store.db))
        self.state = NarrativeState(store, dim=dim, settings=settings, factcheck_flags=factcheck_flags,
                                    origin_doubt=self._origin_doubt)
        self._pending: set[int] = set()  # claims of this run not assigned yet
        self._boilerplate: set[tuple[int, int]] = set()  # the batch's (see assign_within)
        self._infos: dict[int, ClaimInfo] = {}
        self._found: dict[int, tuple] = {}

    def assign(self, claim_ids: Sequence[int], vectors: dict[int, np.ndarray], *, progress: Progress | None = None,
               cancel: threading.Event | None = None) -> set[int]:
        """Assign claims (already in the index) to narratives in the order given, a transaction
        per batch; return the narratives touched."""
        order = self.in_order(claim_ids)
        self._pending = {c.id for c in order}
        touched: set[int] = set()
        for start in range(0, len(order), BATCH):
            if cancel is not None and cancel.is_set():
                raise Cancelled("Clustering cancelled; claims assigned so far are kept.")
            batch = order[start:start + BATCH]
            with write_transaction(self.store.db):
                touched |= self.assign_within(batch, vectors)
            if progress:
                progress(min(1.0, (start + len(batch)) / len(order)), "clustering claims")
        return touched

    def in_order(self, claim_ids: Sequence[int]) -> list[ClaimInfo]:
        """The claims, in the order given: the pipeline's (see ``vectors.processing_order``)."""
        infos = _claim_infos(self.store.db.conn, list(claim_ids))
        return [infos[int(i)] for i in claim_ids if int(i) in infos]

    def assign_within(self, claims: Sequence[ClaimInfo], vectors: dict[int, np.ndarray]) -> set[int]:
        """Assign claims inside the caller's write transaction and refresh what they touched."""
        touched: set[int] = set()
        self._pending |= {c.id for c in claims}
        # What a batch reads again and again is read once for it, and forgotten with it, so
        # memory follows the batch, not the corpus: the feeds' boilerplate lines (few, and
        # changed only by ingest), the claims' neighbours, and the index's answers, asked for
        # the whole batch in one search.
        self._boilerplate = boilerplate_lines(self.store.db.conn)
        self._infos = {c.id: c for c in claims}
        self._found = self._search_batch(claims, vectors)
        try:
            for claim in claims:
                self._pending.discard(claim.id)
                narrative, links = self._assign_one(claim, vectors[claim.id])
                if narrative is not None:
                    narrative = self._join_alike(claim, links)
                    touched.add(self._join_storyline(claim, narrative))
        finally:
            self._infos, self._found = {}, {}
        touched = {members.survivor(self.store.db.conn, n) for n in touched}
        self.refresh_within(touched)
        return touched

    def _search_batch(self, claims: Sequence[ClaimInfo], vectors: dict[int, np.ndarray]) -> dict[int, tuple]:
        """The index's first answer for each claim of a batch, from one search (see _earlier_neighbours)."""
        if not claims or self.index is None or not len(self.index):
            return {}
        queries = np.stack([vectors[c.id] for c in claims]).astype(np.float32)
        scores, ids = self.index.search(queries, FIRST_SEARCH)
        return {c.id: (scores[n], ids[n]) for n, c in enumerate(claims)}

    def _infos_of(self, ids: Sequence[int]) -> dict[int, ClaimInfo]:
        missing = [i for i in ids if i not in self._infos]
        if missing:
            self._infos.update(_claim_infos(self.store.db.conn, missing))
        return {i: self._infos[i] for i in ids if i in self._infos}

    def _assign_one(self, claim: ClaimInfo, vector: np.ndarray) -> tuple[int | None, list[Link]]:
        """The narrative the claim joined or started (None: it waits alone), and its links."""
        conn = self.store.db.conn
        if members.memberships(conn, [claim.id]):
            return None, []  # already paired by an earlier claim of this run
        links = self._links(claim, vector)
        if not links:
            return None, links
        owners = members.memberships(conn, [link.neighbour.id for link in links])
        candidates = sorted({owners[link.neighbour.id][1] for link in links if link.neighbour.id in owners})
        best, best_score = None, self.thresholds.centroid
        for facet_id, centroid in members.facet_centroids(conn, candidates, self.dim).items():
            score = float(np.dot(vector, centroid))
            if score >= best_score:
                best, best_score = facet_id, score
        if best is not None:
            via = next(link for link in links if owners.get(link.neighbour.id, (0, 0))[1] == best)
            return members.add_member(conn, best, claim.id, best_score, vector,
                                      evidence=via.evidence(claim, best_score)), links
        for link in links:
            neighbour = link.neighbour
            if (neighbour.id not in owners and neighbour.outlet != claim.outlet
                    and link.excess >= self.thresholds.seed_margin):
                partner = load_vectors(self.store.db, [neighbour.id], self.dim).get(neighbour.id)
                if partner is not None:
                    back = dataclasses.replace(link, neighbour=claim)
                    narrative_id = members.create(conn, self.model, [(neighbour.id, link.score), (claim.id, link.score)],
                                                  np.stack([partner, vector]),
                                                  evidence=[back.evidence(neighbour), link.evidence(claim)])
                    self._gather(narrative_id, claim, link, [other for other in links if other.neighbour.id not in owners])
                    return narrative_id, links
        return None, links

    def _gather(self, narrative_id: int, claim: ClaimInfo, seed: Link, waiting: list[Link]) -> None:
        """Bring into a new narrative the claim's other linked neighbours that waited alone.

        They came before the claim and found nobody then; now that the claim links to them, the
        ones close to the new facet's centre join it, as they would have joined had the claim
        come first. Without this, of three outlets' earlier copies only the best one was kept.
        """
        conn = self.store.db.conn
        [facet_id] = members.facets_of(conn, narrative_id)
        others = [link for link in waiting if link.neighbour.id != seed.neighbour.id
                  and link.neighbour.article_id != seed.neighbour.article_id]
        vectors = load_vectors(self.store.db, [link.neighbour.id for link in others], self.dim)
        for link in others:
            vector = vectors.get(link.neighbour.id)
            if vector is None:
                continue
            centre = float(np.dot(vector, members.facet_centroids(conn, [facet_id], self.dim)[facet_id]))
            if centre >= self.thresholds.centroid:
                back = dataclasses.replace(link, neighbour=claim)
                members.add_member(conn, facet_id, link.neighbour.id, centre, vector,
                                   evidence=back.evidence(link.neighbour, centre))

    def _join_alike(self, claim: ClaimInfo, links: list[Link]) -> int:
        """Merge into the claim's narrative the narratives of its other linked neighbours whose
        facet is, on average, as close to the claim's facet as two claims that link; return the
        survivor.

        One event told in many wordings ("2 injured when snowmobile crashes into tree", "Two
        hurt when snowmobile crashed into tree") can start two facets before a claim links to
        both. The test is average linkage: the mean cosine over every pair of members of the
        two facets, from their vector sums, must pass the cosine that links on its own (the
        cross-language one for pairs in two languages). A bridge of one similar pair cannot
        pass it for two facets that differ, which is what chained the single-link "storyline
        bridge" tried before (bench/RESULTS.md).
        """
        conn = self.store.db.conn
        [(narrative_id, facet_id)] = members.memberships(conn, [claim.id]).values()
        owners = members.memberships(conn, [link.neighbour.id for link in links])
        others = {facet for narrative, facet in owners.values() if narrative != narrative_id}
        if not others:
            return narrative_id
        t = self.thresholds
        profiles = members.facet_profiles(conn, [facet_id, *others], self.dim)
        mine, my_languages = profiles[facet_id]
        my_size = sum(my_languages.values())
        for other in sorted(others):
            if other not in profiles:
                continue
            theirs, their_languages = profiles[other]
            their_size = sum(their_languages.values())
            mean = float(np.dot(mine, theirs)) / (my_size * their_size)
            same = sum(n * their_languages.get(language, 0) for language, n in my_languages.items() if language)
            share_same = same / (my_size * their_size)
            bar = share_same * min(t.same_language_cosine, 1.0) + (1 - share_same) * t.cross_language
            target = members.narrative_of_facet(conn, other)
            if mean >= bar and target != narrative_id and not members.any_reviewed(conn, [narrative_id, target]):
                narrative_id = self._merge(narrative_id, target)
        return narrative_id

    def _merge(self, one: int, other: int) -> int:
        """Move the younger narrative's facets into the older one (ids stay stable); return the older."""
        keep, gone = min(one, other), max(one, other)
        members.absorb(self.store.db.conn, keep, gone)
        members.recompute(self.store.db.conn, keep, self.dim, lambda ids: load_vectors(self.store.db, ids, self.dim))
        return keep

    def _join_storyline(self, claim: ClaimInfo, narrative_id: int) -> int:
        """Merge narratives that are one storyline told by the same articles; return the survivor.

        Two outlets that both carry claim X and claim Y tell one story, not two: when
        at least two articles of two outlets or more hold claims of both narratives, and
        they make up half of each, the younger narrative's facets move into the older
        one (the older id survives, so ids stay stable). Narratives a reviewer touched
        are left alone.
        """
        conn = self.store.db.conn
        if members.any_reviewed(conn, [narrative_id]):
            return narrative_id
        mine = members.articles_of(conn, narrative_id)
        for other in members.sibling_narratives(conn, claim.article_id, narrative_id):
            theirs = members.articles_of(conn, other)
            shared = len(mine & theirs)
            # Measured against the smaller side only, the test chained: a narrative told by
            # a tenth of the articles holds both articles of a two-article narrative once in
            # a hundred pairs by chance alone, each merge grows it, and the next merge gets
            # likelier, until one narrative held most claims of a corpus whose articles mix
            # unrelated stories. Asking the shared articles to be half of the larger side too
            # means "most outlets telling either tell both", which wire copies of one
            # two-claim story meet, and it bounds a merge: the union is at most one and a
            # half times the larger side, so a narrative cannot grow by swallowing ones much
            # smaller than itself, and a narrative coherent on its own (told mostly by
            # articles that do not carry the other) stays apart. A side claim told by few of
            # a big story's outlets stays a narrative of its own, which a reviewer can merge.
            # A test against chance (lift, shared * N / (|A| * |B|)) was not used: N depends
            # on what else the store holds, and a store that follows one event (a journalist
            # watching one election) makes every co-occurrence look like chance; the
            # evidence that matters here is how much of each narrative the overlap explains.
            # And the shared articles must come from two outlets at least: one feed that carries
            # both claims again and again (its boilerplate line under each of its titles) is that
            # feed's habit, not a storyline that outlets tell.
            if (shared >= STORY_MIN_SHARED and shared >= STORY_OVERLAP * max(len(mine), len(theirs))
                    and members.outlet_count(conn, mine & theirs) >= STORY_MIN_OUTLETS):
                narrative_id, mine = self._merge(narrative_id, other), mine | theirs
        return narrative_id

    def _links(self, claim: ClaimInfo, vector: np.ndarray) -> list[Link]:
        """Neighbours that are near-duplicates of the claim, best first."""
        cosines = {i: cos for i, cos in self._earlier_neighbours(vector, claim.id)
                   if cos >= COSINE_FLOOR and i != claim.id}
        infos = self._infos_of(list(cosines))
        when = _time(claim.published_at)
        near = [n for n in infos.values()
                if n.article_id != claim.article_id and abs(_time(n.published_at) - when) <= self.window
                and not numbers_disagree(claim.text, n.text)]
        # A line stored before its feed was seen repeating it (its first copies, in earlier
        # fetches) is boilerplate now: it links to nothing, and nothing links to it.
        known = self._boilerplate
        if (claim.feed_id, claim.template) in known:
            return []
        near = [n for n in near if (n.feed_id, n.template) not in known]
        same = [n for n in near if n.language == claim.language and claim.language]
        lexical = dict(zip((n.id for n in same), self.lexical.scores(claim.text, [n.text for n in same])))
        t = self.thresholds
        links = []
        for n in near:
            cos = cosines[n.id]
            if n.id in lexical:
                score = t.lexical_weight * lexical[n.id] + (1 - t.lexical_weight) * cos
                # Shared rare words, or a cosine that needs no words: "A man is slicing an onion"
                # and "Someone cuts an onion" share one word but mean the same.
                excess = max(score - t.same_language, cos - t.same_language_cosine)
                if excess >= 0:
                    links.append(Link(n, score, cos, lexical[n.id], excess))
            elif cos >= t.cross_language:
                links.append(Link(n, cos, cos, None, cos - t.cross_language))
        links.sort(key=lambda link: -link.score)
        return links

    def _earlier_neighbours(self, vector: np.ndarray, claim_id: int) -> list[tuple[int, float]]:
        """The NEIGHBOURS nearest claims (the claim itself among them) that were published before
        this one, as ``(claim_id, cosine)``, best first.

        A claim is matched against the news before it, so clustering a backlog at once
        agrees with clustering it as it arrived. A backlog's later claims are in the index
        already (they wait in ``_pending``); near-duplicates published later can fill every
        one of the first NEIGHBOURS results, so the search widens while too few results are
        earlier claims, up to SEARCH_LIMIT, and keeps the first NEIGHBOURS of those, which is
        what the index held when the claim arrived. Past the limit (a claim repeated by
        hundreds of later ones), the earlier claims found so far are kept.
        """
        query = vector.reshape(1, -1).astype(np.float32)
        k = FIRST_SEARCH
        while True:
            if k == FIRST_SEARCH and claim_id in self._found:
                scores, ids = self._found[claim_id]
            else:
                found = self.index.search(query, k)
                scores, ids = found[0][0], found[1][0]
            earlier = [(int(i), float(s)) for s, i in zip(scores, ids) if i >= 0 and int(i) not in self._pending]
            # Nothing further to find: the index ran out, or the rest are below the floor.
            exhausted = ids[-1] < 0 or scores[-1] < COSINE_FLOOR
            if len(earlier) >= NEIGHBOURS or exhausted or k >= SEARCH_LIMIT:
                return earlier[:NEIGHBOURS]
            k = min(SEARCH_LIMIT, k * SEARCH_GROWTH)

    def refresh_within(self, narrative_ids: set[int] | Sequence[int]) -> None:
        """Recompute label, statistics and flags of narratives, inside the caller's transaction."""
        self.state.refresh_within(narrative_ids)

    def _origin_doubt(self, narrative_id: int, member_ids: set[int], first_seen: str) -> Flag | None:
        """Say so when a claim published before the narrative's first one is close to it but not in it.

        Who said it first is what a fact-checker asks first, and the first member is only the
        earliest claim that linked: an earlier outlet may have told the story in words the
        linking missed, or in a claim that waited alone. The claims near the centre of the
        narrative's largest facets, at the lowest bar at which the engine calls two texts the
        same claim, that are older than its first member (within the time window) are that
        doubt; the earliest one is named. Without an index there is nothing to search.
        """
        conn = self.store.db.conn
        if self.index is None or not len(self.index):
            return None
        profiles = members.facet_profiles(conn, members.largest_facets(conn, narrative_id, DOUBT_FACETS), self.dim)
        if not profiles:
            return None
        centres = np.stack([total / max(float(np.linalg.norm(total)), 1e-9) for total, _ in profiles.values()])
        scores, ids = self.index.search(centres.astype(np.float32), NEIGHBOURS)
        t = self.thresholds
        near: dict[int, list[tuple[float, dict]]] = {}
        for (_, languages), row_scores, row_ids in zip(profiles.values(), scores, ids):
            for cos, claim_id in zip(row_scores, row_ids):
                if claim_id >= 0 and cos >= min(t.cross_language, t.centroid) and int(claim_id) not in member_ids:
                    near.setdefault(int(claim_id), []).append((float(cos), languages))
        first = _time(first_seen)
        close: dict[int, float] = {}
        infos = _claim_infos(conn, list(near))
        for c in infos.values():
            if (c.published_at >= first_seen or first - _time(c.published_at) > self.window
                    or (c.feed_id, c.template) in self._boilerplate):
                continue
            # In a language the facet is told in, the cosine that links without shared words;
            # in another, the cross-language one.
            passing = [cos for cos, languages in near[c.id]
                       if cos >= (min(t.same_language_cosine, t.centroid) if c.language in languages
                                  else min(t.cross_language, t.centroid))]
            if passing:
                close[c.id] = max(passing)
        earlier = [infos[claim_id] for claim_id in close]
        if not earlier:
            return None
        c = min(earlier, key=lambda c: (c.published_at, c.id))
        feed = feed_store.feed_name(conn, c.feed_id)
        more = f" ({len(earlier) - 1} more such claims)" if len(earlier) > 1 else ""
        return Flag(ORIGIN_DOUBT,
                    f"Perhaps told earlier: {feed} published a similar claim in {language_name(c.language)} on"
                    f" {c.published_at[:16].replace('T', ' ')} UTC (claim {c.id}, cosine {close[c.id]:.2f} to the"
                    f" narrative's centre) that was not linked to it{more}. Check it before naming the first source.",
                    0.0)
