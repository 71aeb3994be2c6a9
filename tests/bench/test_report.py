"""The report renders the results make bench last wrote (the committed ones), every section of them."""

from __future__ import annotations

import json

from bench import report


def test_the_committed_results_render_and_round_trip_through_the_compact_json() -> None:
    results = json.loads((report.RESULTS / "latest.json").read_text())

    text = report.markdown(results)

    assert json.loads(report.compact_json(results)) == results
    for heading in ("## Cold start", "## AWS calls per request", "## Cost per million", "## Thumbnail",
                    "## Artifacts", "## `make run`"):  # fmt: skip
        assert heading in text
    assert "- AWS calls per request: " in text  # the summary of the goals
