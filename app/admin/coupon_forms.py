"""Forms of the admin's coupon page. The rules (code shape, percent, amount, limits,
dates) are checked by app.pricing's coupon service, not here."""

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from app.money import SUPPORTED


class CouponForm(FlaskForm):
    code = StringField("Code", description="3 to 40 letters, digits, dashes or "
                       "underscores; buyers may type it in any case.")
    kind = RadioField("Takes off", choices=[SelectChoice("percent", "A percentage"),
                                            SelectChoice("amount", "A fixed amount")],
                      default="percent", validate_choice=False)
    percent = StringField("Percent off", description="1 to 100 (100: free enrolment).")
    amount = StringField("Amount off", description='In the currency\'s unit, e.g. "10.00"; '
                         "the code then applies only to courses priced in that currency.")
    currency = SelectField("Currency", choices=[SelectChoice(c, c.upper())
                                                for c in sorted(SUPPORTED)],
                           validate_choice=False)
    courses = StringField("Courses (slugs, comma-separated)",
                          description="Empty: every course.")
    max_redemptions = StringField("Uses in total", description="Empty: no limit.")
    per_buyer = StringField("Uses per buyer email", description="Empty: no limit.")
    starts = StringField("Starts (UTC)", description="A date like 2026-12-24, or empty.")
    ends = StringField("Ends (UTC, last day included)",
                       description="A date like 2026-12-31, or empty.")


class DeactivateForm(FlaskForm):
    """Only the CSRF token."""
