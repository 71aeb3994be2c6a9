"""The Docker-free local stack behind `make run`. Never deployed; nothing in src/ imports it."""
