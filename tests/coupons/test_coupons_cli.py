"""`flask coupons add|list|deactivate`: what they store, and one-line errors."""

import pytest


def test_add_list_and_deactivate(cli, make_course, coupon_row):
    make_course()
    make_course(slug="nihongo", title="Nihongo", price="5000", currency="jpy")
    added = cli.invoke(args=["coupons", "add", "launch20", "--percent", "20",
                             "--max-redemptions", "100", "--per-buyer", "1",
                             "--starts", "2026-01-01", "--ends", "2030-12-31"])
    assert added.exit_code == 0, added.output
    assert added.output == "Added LAUNCH20: 20 % off, all courses.\n"
    fixed = cli.invoke(args=["coupons", "add", "YEN500", "--amount", "500", "--currency",
                             "JPY", "--courses", "nihongo"])
    assert fixed.output == "Added YEN500: ¥500 off, nihongo.\n"
    coupon = coupon_row("LAUNCH20")
    assert (coupon.percent_off, coupon.max_redemptions, coupon.max_per_buyer) == (20, 100, 1)
    assert coupon.starts_at.isoformat().startswith("2026-01-01T00:00")
    assert coupon.ends_at.isoformat().startswith("2031-01-01T00:00")  # all of Dec 31
    yen = coupon_row("YEN500")
    assert (yen.amount_off, yen.currency, yen.all_courses) == (500, "jpy", False)
    listed = cli.invoke(args=["coupons", "list"])
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    assert lines[0].split() == ["CODE", "OFF", "USED", "STATE", "REVENUE", "COURSES"]
    assert lines[1].split() == ["YEN500", "¥500", "0", "active", "-", "nihongo"]
    assert lines[2].split()[:4] == ["LAUNCH20", "20", "%", "0/100"]
    gone = cli.invoke(args=["coupons", "deactivate", "Launch20"])
    assert gone.output == "Deactivated LAUNCH20.\n"
    assert coupon_row("LAUNCH20").active is False
    assert "deactivated" in cli.invoke(args=["coupons", "list"]).output


@pytest.mark.parametrize(("args", "message"), [
    (["X!", "--percent", "10"], "A code is 3 to 40 letters"),
    (["OK10", "--percent", "0"], "The percentage must be a whole number from 1 to 100."),
    (["OK10", "--percent", "150"], "The percentage must be a whole number from 1 to 100."),
    (["OK10", "--percent", "ten"], "The percentage must be a whole number from 1 to 100."),
    (["OK10"], "Give either a percentage or an amount off"),
    (["OK10", "--percent", "10", "--amount", "5", "--currency", "usd"],
     "Give either a percentage or an amount off"),
    (["OK10", "--amount", "5"], "Give --currency with --amount"),
    (["OK10", "--amount", "5.001", "--currency", "usd"], "more decimals than USD allows"),
    (["OK10", "--amount", "5.5", "--currency", "jpy"], "more decimals than JPY allows"),
    (["OK10", "--amount", "5", "--currency", "xyz"], "Unsupported currency"),
    (["OK10", "--percent", "10", "--courses", "nope"], "No course with slug nope."),
    (["OK10", "--percent", "10", "--ends", "soon"], "The end must be a date like"),
    (["OK10", "--percent", "10", "--starts", "2030-01-02", "--ends", "2030-01-01"],
     "The end must come after the start."),
    (["OK10", "--percent", "10", "--max-redemptions", "0"],
     "The maximum number of redemptions must be between 1 and"),
    (["OK10", "--percent", "10", "--per-buyer", "x"], "The maximum per buyer must be"),
    (["TAKEN", "--percent", "10"], "The code TAKEN exists already."),
])
def test_add_mistakes_are_one_line(cli, make_course, make_coupon, args, message):
    make_course()
    make_coupon("TAKEN", percent=5)
    result = cli.invoke(args=["coupons", "add", *args])
    assert result.exit_code == 1, result.output
    assert result.output.count("\n") == 1 and result.output.startswith("Coupon error: ")
    assert message in result.output and "Traceback" not in result.output


def test_deactivating_an_unknown_code_is_one_line(cli):
    result = cli.invoke(args=["coupons", "deactivate", "NOPE"])
    assert result.exit_code == 1
    assert result.output == "Coupon error: There is no code 'NOPE'.\n"


def test_list_with_no_codes(cli):
    assert cli.invoke(args=["coupons", "list"]).output.startswith("No coupon codes yet.")
