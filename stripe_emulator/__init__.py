"""Offline, stateful Stripe test-mode emulator (see README.md)."""

API_VERSION = "2026-10-28.endive"
