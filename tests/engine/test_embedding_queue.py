import threading
import time

import numpy as np
import pytest

from app.engine.embedding_queue import EmbeddingQueue
from app.engine.errors import Cancelled
from app.engine.store import vectors as vector_store
from app.engine.store import write_transaction
from tests.engine.helpers import add_article, add_feed
from tests.fakes import HashingEmbedder


class Recording(HashingEmbedder):
    def __init__(self, delay: float = 0.0) -> None:
        super().__init__()
        self.seen: list[str] = []
        self.threads: set[str] = set()
        self.delay = delay

    def encode(self, texts, *, batch_size=64, progress=None, cancel=None):
        self.threads.add(threading.current_thread().name)
        for start in range(0, len(texts), 1):
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            time.sleep(self.delay)
        self.seen.extend(texts)
        return super().encode(texts)


def claim_ids(store, texts):
    return [store.db.conn.execute("SELECT id FROM claims WHERE text = ?", (t,)).fetchone()[0] for t in texts]


def test_the_next_batch_is_embedded_in_the_background_and_a_text_in_flight_is_not_embedded_twice(store):
    wire = "The port of Kelso will close on Monday for repairs, officials said"
    add_article(store, add_feed(store, "one"), ["Kelso port closes", wire])
    add_article(store, add_feed(store, "two"), ["Port shut in Kelso", wire])
    [_, wire_one] = claim_ids(store, ["Kelso port closes", wire])
    wire_two = store.db.conn.execute("SELECT max(id) FROM claims WHERE text = ?", (wire,)).fetchone()[0]
    embedder = Recording()
    with EmbeddingQueue(store, embedder) as queue:
        one = queue.submit([wire_one])
        two = queue.submit([wire_two])  # submitted while the first is in flight
        v1 = queue.take(one)
        v2 = queue.take(two)
    assert embedder.seen == [wire]
    assert embedder.threads and "MainThread" not in embedder.threads
    np.testing.assert_array_equal(v1, v2)
    assert two.keys == one.keys == [vector_store.text_key(wire)]


def test_cancel_stops_the_embedding_in_flight(store):
    feed = add_feed(store, "slow")
    add_article(store, feed, [f"Sentence number {word} about the harbour" for word in ("one", "two", "three")])
    ids = [r[0] for r in store.db.conn.execute("SELECT id FROM claims")]
    cancel = threading.Event()
    embedder = Recording(delay=0.5)
    started = time.perf_counter()
    with pytest.raises(Cancelled):
        with EmbeddingQueue(store, embedder, cancel) as queue:
            batch = queue.submit(ids)
            threading.Timer(0.3, cancel.set).start()
            queue.take(batch)
    assert time.perf_counter() - started < 2.5
    assert embedder.seen == []


def test_progress_is_reported_while_waiting(store):
    feed = add_feed(store, "progress")
    add_article(store, feed, [f"Line {word} of the report on the floods" for word in ("one", "two", "three", "four")])
    ids = [r[0] for r in store.db.conn.execute("SELECT id FROM claims")]
    reported = []
    with EmbeddingQueue(store, Recording(delay=0.2)) as queue:
        queue.take(queue.submit(ids), reported.append)
    assert reported, "nothing was reported while the batch was embedded"


def test_a_claim_deleted_after_the_order_was_read_is_left_out(store):
    feed = add_feed(store, "gone")
    add_article(store, feed, ["Harbour bridge closes for repairs", "The bridge closes on Monday for three months"])
    kept = add_feed(store, "kept")
    add_article(store, kept, ["Tram line opens in spring", "The new tram line opens in April, the council said"])
    ids = [r[0] for r in store.db.conn.execute("SELECT id FROM claims ORDER BY id")]
    with write_transaction(store.db) as conn:
        conn.execute("DELETE FROM feeds WHERE id = ?", (feed.id,))  # as removing the feed does
    embedder = Recording()
    with EmbeddingQueue(store, embedder) as queue:
        batch = queue.submit(ids)
        vectors = queue.take(batch)
    assert batch.ids.tolist() == ids[2:] and vectors.shape == (2, embedder.dim)
