"""The hot-link model behind README's Scaling section says what the README says."""

from __future__ import annotations

from bench.hot_link import simulate


def test_the_fast_path_alone_serves_only_what_one_item_can_count() -> None:
    outcome = simulate(rate=10_000, seconds=5, shards=0)

    assert outcome.success_rate == 0.1
    assert outcome.counted == outcome.served


def test_twenty_shards_serve_and_count_every_click_of_10000_per_second() -> None:
    outcome = simulate(rate=10_000, seconds=60, shards=20)

    assert outcome.success_rate == 1.0
    assert outcome.counted == outcome.redirects
    assert outcome.not_counted == 0


def test_too_few_shards_lose_clicks_but_never_redirects() -> None:
    outcome = simulate(rate=10_000, seconds=10, shards=5)

    assert outcome.success_rate == 1.0
    assert outcome.not_counted > 0
    assert outcome.counted + outcome.not_counted == outcome.redirects
