"""Distinct visitors that merge: exact while few, a HyperLogLog sketch beyond."""

import random

import pytest

from widgetserver.stats.sketch import EXACT_LIMIT, Visitors


def hashes(n, seed):
    rng = random.Random(seed)
    # Visitor hashes are signed 64-bit integers in the database.
    return [rng.getrandbits(64) - (1 << 63) for _ in range(n)]


def test_few_visitors_are_counted_exactly_and_merge_as_a_union():
    a, b = hashes(1500, 1), hashes(1500, 2)
    left, right = Visitors(a), Visitors(b + a[:500])
    left.merge(right)
    assert left.count() == 3000  # the 500 seen in both count once
    assert Visitors(a[:EXACT_LIMIT]).to_bytes().startswith(b"e")


def test_many_visitors_are_estimated_within_two_percent():
    for n in (5_000, 40_000, 150_000):
        estimate = Visitors(hashes(n, n)).count()
        assert abs(estimate - n) / n < 0.02, (n, estimate)


def test_merged_sketches_equal_the_sketch_of_the_union():
    parts = [hashes(30_000, seed) for seed in range(4)]
    merged = Visitors()
    for part in parts:
        merged.merge(Visitors.from_bytes(Visitors(part + parts[0]).to_bytes()))
    whole = Visitors([h for part in parts for h in part])
    assert merged.to_bytes() == whole.to_bytes()
    assert abs(merged.count() - 120_000) / 120_000 < 0.02


def test_an_exact_set_merged_into_a_sketch_adds_only_new_visitors():
    many, few = hashes(20_000, 5), hashes(100, 6)
    sketch = Visitors(many)
    before = sketch.count()
    sketch.merge(Visitors(many[:1000]))  # all seen already
    assert sketch.count() == before
    sketch.merge(Visitors(few))
    assert sketch.count() > before


def test_the_stored_form_round_trips_and_refuses_anything_else():
    for values in ([], hashes(10, 7), hashes(EXACT_LIMIT + 1, 8)):
        visitors = Visitors(values)
        again = Visitors.from_bytes(visitors.to_bytes())
        assert again.count() == visitors.count()
        assert again.to_bytes() == visitors.to_bytes()
    for data in (b"", b"x", b"e123", b"h" + bytes(10)):
        with pytest.raises(ValueError):
            Visitors.from_bytes(data)
