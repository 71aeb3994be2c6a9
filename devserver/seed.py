"""Demo links for a fresh local stack, created through the API itself so they are exactly what a client would create."""

from __future__ import annotations

from flask import Flask

DEMO_LINKS = {
    "demo": "https://aws.amazon.com/serverless/sam/",
    "docs": "https://docs.aws.amazon.com/serverless-application-model/",
}


def seed(app: Flask, base_url: str) -> list[str]:
    """Create the demo links (an alias already taken is fine) and describe each one."""
    client = app.test_client()
    described = []
    for alias, url in DEMO_LINKS.items():
        response = client.post("/shorten", json={"url": url, "alias": alias}, base_url=base_url)
        if response.status_code not in (201, 409):
            raise RuntimeError(f"Seeding {alias!r} failed: {response.status_code} {response.get_data(as_text=True)}")
        described.append(f"Seeded {base_url}/{alias} -> {url}")
    return described
