"""Fixtures for the emulator's own tests: a private emulator, its control API, SDK clients.

Every test drives the real stripe-python SDK over HTTP; nothing is mocked.
"""
import pytest
import stripe

from stripe_emulator.control import EmulatorControl
from stripe_emulator.server import EmulatorServer

from .helpers import API_KEY


@pytest.fixture(scope="session")
def emu():
    """One emulator for the emulator tests (fast webhook retries)."""
    server = EmulatorServer(host="127.0.0.1", port=0, quiet=True,
                            webhook_retry_base=0.05, webhook_max_attempts=3)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def ctl(emu):
    control = EmulatorControl(emu.url)
    yield control
    control.close()


SDK_SETTINGS = ("api_key", "api_base", "max_network_retries")


@pytest.fixture(autouse=True)
def api(emu, ctl):
    """Fresh emulator state; the SDK's global configuration points at it, without retries.

    This configures the real SDK (as `stripe.api_base = …` in Stripe's docs); nothing in
    `stripe` is replaced. The previous settings are restored afterwards.
    """
    ctl.reset()
    ctl.clear_webhooks()
    saved = {name: getattr(stripe, name) for name in SDK_SETTINGS}
    stripe.api_key, stripe.api_base, stripe.max_network_retries = API_KEY, emu.url, 0
    yield emu
    for name, value in saved.items():
        setattr(stripe, name, value)


@pytest.fixture
def client(emu):
    """A StripeClient aimed at the emulator (no retries, like StripeClient's default)."""
    return stripe.StripeClient(API_KEY, base_addresses={"api": emu.url})

