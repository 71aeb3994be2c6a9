"""The hot-link model says what docs/scaling.md says, and the page shows exactly what it prints."""

from __future__ import annotations

from pathlib import Path

from bench import cost, hot_link
from common import link_clicks
from devkit.stack import Stack

SCALING = Path(__file__).resolve().parents[2] / "docs" / "scaling.md"


def test_the_model_clicks_as_the_redirect_does() -> None:
    # The model is a simulation, not the code: it must at least use the code's own numbers.
    assert hot_link.SHARD_ATTEMPTS == link_clicks.SHARD_ATTEMPTS
    assert hot_link.TARGET_CACHE_S == link_clicks.TARGET_CACHE_SECONDS


def test_the_fast_path_alone_serves_only_what_one_item_can_count() -> None:
    outcome = hot_link.simulate(rate=10_000, seconds=5, shards=0)

    assert outcome.served == outcome.counted == 5_000


def test_too_few_shards_lose_clicks_but_never_redirects() -> None:
    outcome = hot_link.simulate(rate=10_000, seconds=10, shards=5)

    assert outcome.served == outcome.redirects
    assert outcome.not_counted > 0
    assert outcome.counted + outcome.not_counted == outcome.redirects


def test_the_scaling_page_shows_the_models_tables_for_the_templates_redirect_function(stack: Stack) -> None:
    settings = cost.FunctionSettings.of(stack, "RedirectLinkFunction")
    page = SCALING.read_text()

    assert "\n".join(hot_link.model_table()) in page
    assert "\n".join(hot_link.hour_table(settings.memory_mb, settings.architecture)) in page
    assert "| 20 | 600,000 of 600,000 | 600,000 | 0 |" in page  # what the page says 20 shards are for
