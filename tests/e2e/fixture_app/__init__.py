"""A tiny app of its own (echo, crash, sleepy) for testing the local stack's Lambda runtime."""

from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "template.yaml"
