"""A minimal Django project around dj-stripe, driven by tests/peers/test_djstripe.py.

It runs in dj-stripe's own virtualenv (``requirements-djstripe.txt``), never the store's,
pointed at an offline emulator by dj-stripe's documented ``STRIPE_API_HOST`` setting.
"""
