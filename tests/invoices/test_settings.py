"""The tax and invoice settings: defaults change nothing, nonsense stops start-up in one
ConfigError line."""

import pytest

from app import create_app
from config import Config, ConfigError, TestConfig


def test_defaults_leave_tax_off_and_invoices_unissued(monkeypatch):
    """Without settings: no tax, no seller, so no invoices; the defaults pass the check."""
    for name in ("TAX_MODE", "SELLER_LEGAL_NAME", "SELLER_ADDRESS", "SELLER_COUNTRY",
                 "SELLER_TAX_IDS", "TAX_CODE_ELEARNING", "INVOICE_PREFIX"):
        monkeypatch.setenv(name, "")
    config = Config()
    assert config.TAX_MODE == "off"
    assert config.SELLER_LEGAL_NAME == "" and config.INVOICE_PREFIX == "INV-"
    assert config.TAX_CODE_ELEARNING == "txcd_10000000"
    from app.invoices.settings import invoicing_on

    app = create_app(TestConfig())
    assert not invoicing_on(app.config)


def test_settings_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("TAX_MODE", " Exclusive ")
    monkeypatch.setenv("SELLER_COUNTRY", "de")
    monkeypatch.setenv("SELLER_TAX_IDS", "DE 123 456 789, GB123456789")
    config = Config()
    assert config.TAX_MODE == "exclusive" and config.SELLER_COUNTRY == "DE"
    from app.invoices.settings import seller_tax_ids

    assert seller_tax_ids(vars(config)) == ["DE123456789", "GB123456789"]


SELLER = {"SELLER_LEGAL_NAME": "Course Shop GmbH", "SELLER_ADDRESS": "Hauptstr. 1 | Berlin",
          "SELLER_COUNTRY": "DE"}


@pytest.mark.parametrize(("overrides", "message"), [
    ({"TAX_MODE": "vat"}, "TAX_MODE='vat' is not a tax mode"),
    ({"SELLER_COUNTRY": "Germany"}, "SELLER_COUNTRY='Germany' is not a two-letter"),
    ({"SELLER_TAX_IDS": "DE123456789,12345"}, "SELLER_TAX_IDS: '12345' is not"),
    ({"TAX_CODE_ELEARNING": "elearning"}, "TAX_CODE_ELEARNING='elearning' is not"),
    ({"INVOICE_PREFIX": "INV 2026 with spaces"}, "INVOICE_PREFIX="),
    ({"TAX_MODE": "inclusive"}, "TAX_MODE=inclusive needs SELLER_LEGAL_NAME, "
                                "SELLER_ADDRESS, SELLER_COUNTRY"),
    ({"TAX_MODE": "exclusive", **SELLER, "SELLER_COUNTRY": ""},
     "TAX_MODE=exclusive needs SELLER_COUNTRY"),
])
def test_nonsense_is_refused_at_start_up(overrides, message):
    with pytest.raises(ConfigError) as raised:
        create_app(TestConfig(**overrides))
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize("flow", ["charges", "payment_intents", "checkout"])
def test_a_complete_seller_with_tax_on_starts(flow):
    app = create_app(TestConfig(TAX_MODE="inclusive", SELLER_TAX_IDS="DE123456789",
                                PAYMENT_FLOW=flow, **SELLER))
    assert (app.config["TAX_MODE"], app.config["PAYMENT_FLOW"]) == ("inclusive", flow)


def test_the_flask_command_says_it_in_one_line(tmp_path):
    """Like every other setting: `flask` prints one Configuration error line, exit 2."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "TAX_MODE": "sometimes", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
           "LOCAL_RUN_FILE": str(tmp_path / "none.json")}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "courses", "list"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2, done
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines == ["Configuration error: TAX_MODE='sometimes' is not a tax mode; use one "
                     "of off, inclusive, exclusive (off: prices carry no tax)."], done.stderr
