"""`flask courses …`, `flask seed-demo`, `flask stripe check`."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Course


def _course(app, slug):
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        if course is not None:
            db.session.expunge(course)
        return course


def test_courses_add_stores_minor_units(app, cli):
    """`courses add` converts the decimal price to minor units of the currency."""
    result = cli.invoke(args=["courses", "add", "python-jumpstart", "--title",
                              "Python Jumpstart", "--price", "69.00", "--currency", "usd"])
    assert result.exit_code == 0, result.output
    assert "$69.00" in result.output
    course = _course(app, "python-jumpstart")
    assert (course.price_minor, course.currency, course.active) == (6900, "usd", True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["bad slug!", "--title", "T", "--price", "10"], "lower-case letters"),
        (["ok", "--title", "T", "--price", "0.10", "--currency", "usd"], "at least $0.50"),
        (["ok", "--title", "T", "--price", "10.5", "--currency", "jpy"], "more decimals"),
        (["ok", "--title", "T", "--price", "ten"], "not a number"),
        (["ok", "--title", "T", "--price", "10", "--currency", "xxx"], "Unsupported"),
    ],
)
def test_courses_add_refuses_bad_input(app, cli, args, message):
    """Bad input is refused with a clear error and no course is stored."""
    result = cli.invoke(args=["courses", "add", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert _course(app, "ok") is None


def test_courses_add_refuses_duplicate_slug(app, cli, make_course):
    """A slug is unique."""
    make_course()
    result = cli.invoke(args=["courses", "add", "python-jumpstart", "--title", "X",
                              "--price", "10"])
    assert result.exit_code != 0
    assert "exists already" in result.output


def test_courses_update_list_and_archive(app, cli, make_course):
    """Update changes the price; archive takes it off sale; list shows both states."""
    make_course()
    result = cli.invoke(args=["courses", "update", "python-jumpstart", "--price", "79.00"])
    assert result.exit_code == 0, result.output
    assert _course(app, "python-jumpstart").price_minor == 7900
    assert cli.invoke(args=["courses", "archive", "python-jumpstart"]).exit_code == 0
    assert _course(app, "python-jumpstart").active is False
    listing = cli.invoke(args=["courses", "list"]).output
    assert "python-jumpstart" in listing and "archived" in listing and "$79.00" in listing
    missing = cli.invoke(args=["courses", "archive", "nope"])
    assert missing.exit_code != 0 and "No course" in missing.output


def test_seed_demo_adds_courses_once(app, cli):
    """seed-demo adds the demo courses (one in yen); --if-empty does nothing afterwards."""
    first = cli.invoke(args=["seed-demo"])
    assert "Added 5" in first.output
    assert _course(app, "nihongo-for-developers").currency == "jpy"
    again = cli.invoke(args=["seed-demo", "--if-empty"])
    assert "no demo courses added" in again.output
    assert "Added 0" in cli.invoke(args=["seed-demo"]).output


def test_stripe_check_reports_mode_and_success(cli, emulator):
    """`stripe check` names the endpoint and confirms the emulator answers."""
    result = cli.invoke(args=["stripe", "check"])
    assert result.exit_code == 0, result.output
    assert f"test mode, {emulator.url} (offline emulator)" in result.output
    assert "The offline emulator answers" in result.output
    assert "The secret key works." not in result.output


def test_stripe_check_reports_an_unreachable_endpoint(app, cli):
    """An endpoint that does not answer makes `stripe check` fail with a reason."""
    saved = app.config["STRIPE_API_BASE"]
    app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"
    try:
        result = cli.invoke(args=["stripe", "check"])
    finally:
        app.config["STRIPE_API_BASE"] = saved
    assert result.exit_code == 1
    assert "emulator at http://127.0.0.1:9 is not answering" in result.output
    assert "Error" not in result.output and len(result.output.splitlines()) == 2


def test_stripe_check_without_any_stripe_says_so(app, cli):
    """No key and no emulator: one line saying what to do, never "The secret key works"."""
    saved = app.config["STRIPE_API_BASE"], app.config["STRIPE_SECRET_KEY"]
    app.config["STRIPE_API_BASE"], app.config["STRIPE_SECRET_KEY"] = "", ""
    try:
        check = cli.invoke(args=["stripe", "check"])
        reconcile = cli.invoke(args=["orders", "reconcile"])
    finally:
        app.config["STRIPE_API_BASE"], app.config["STRIPE_SECRET_KEY"] = saved
    assert check.exit_code == 1 and reconcile.exit_code == 1
    assert "works" not in check.output
    for result in (check, reconcile):
        assert "STRIPE_SECRET_KEY is empty and no `make run` emulator is running" in result.output
        assert "NameResolution" not in result.output


# --- flask stripe check: which payment flows the account can use ---------------------

def test_stripe_check_probes_each_flow_and_recommends_one(cli, emulator_control, stripe_sdk):
    result = cli.invoke(args=["stripe", "check"])
    assert result.exit_code == 0, result.output
    assert "  charges: yes" in result.output
    assert "  payment_intents: yes" in result.output and "  checkout: yes" in result.output
    assert "Recommended: PAYMENT_FLOW=payment_intents" in result.output
    assert "PAYMENT_FLOW=charges works on this account." in result.output
    # The probes moved no money: the authorization was released, the intent cancelled.
    [charge] = stripe_sdk.v1.charges.list(params={"limit": 10}).data
    assert (charge.captured, charge.refunded, charge.amount_refunded) == (False, True, 100)
    [intent] = stripe_sdk.v1.payment_intents.list(params={"limit": 10}).data
    assert intent.status == "canceled"


def test_stripe_check_says_charges_cannot_work_on_an_account_without_card_tokens(
        cli, app, emulator_control):
    emulator_control.set_policy(card_tokens_end_of_life=True)  # an account opened today
    result = cli.invoke(args=["stripe", "check"])
    assert result.exit_code == 0, result.output
    assert "  charges: no — Card Token usage on the Customers API and Charges API has " \
           "reached end of life" in result.output
    assert "  payment_intents: yes" in result.output
    assert "Warning: PAYMENT_FLOW=charges cannot take payments on this account; set " \
           "PAYMENT_FLOW=payment_intents." in result.output
    app.config["PAYMENT_FLOW"] = "checkout"
    try:
        result = cli.invoke(args=["stripe", "check"])
    finally:
        app.config["PAYMENT_FLOW"] = "charges"
    assert "PAYMENT_FLOW=checkout works on this account." in result.output
