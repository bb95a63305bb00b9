"""Builders for charge, outcome, balance transaction and dispute objects."""
from .. import cards
from ..currencies import exponent
from ..ids import charge_id, new_id
from .tokens import card_network

SUCCESS_OUTCOME = {"network_status": "approved_by_network", "reason": None,
                   "risk_level": "normal", "risk_score": 32,
                   "seller_message": "Payment complete.", "type": "authorized"}
RISK_OUTCOMES = {
    "risk_elevated": {"network_status": "approved_by_network", "reason": "elevated_risk_level",
                      "risk_level": "elevated", "risk_score": 74,
                      "seller_message": "Stripe evaluated this payment as having elevated "
                                        "risk, and placed it in your manual review queue.",
                      "type": "manual_review"},
    "risk_highest": {"network_status": "approved_by_network", "reason": None,
                     "risk_level": "highest", "risk_score": 95,
                     "seller_message": "Payment complete.", "type": "authorized"},
}
BLOCKED_OUTCOME = {"network_status": "not_sent_to_network", "reason": "highest_risk_level",
                   "risk_level": "highest", "risk_score": 99, "rule": "block_if_high_risk",
                   "seller_message": "Stripe blocked this payment as too risky.",
                   "type": "blocked"}


def outcome(base: dict, advice=None) -> dict:
    """``rule`` appears only when a Radar rule matched (Stripe's spec: a string, never null)."""
    out = {"advice_code": advice, "network_advice_code": None, "network_decline_code": None}
    out.update(base)
    return out


def declined_outcome(decline_code, advice):
    if decline_code == "generic_decline":
        seller = "The bank did not return any further details with this decline."
    else:
        seller = f"The bank returned the decline code `{decline_code}`."
    return outcome({"network_status": "declined_by_network", "reason": decline_code,
                    "risk_level": "normal", "risk_score": 40, "seller_message": seller,
                    "type": "issuer_declined"}, advice)


def payment_method_details(state, card, amount, paid):
    network = card_network(state, card)
    return {
        "card": {
            "amount_authorized": amount if paid else None,
            "authorization_code": "123456" if paid else None,
            "brand": network,
            "checks": {"address_line1_check": card["address_line1_check"],
                       "address_postal_code_check": card["address_zip_check"],
                       "cvc_check": card["cvc_check"]},
            "country": card["country"],
            "electronic_commerce_indicator": None,
            "exp_month": card["exp_month"],
            "exp_year": card["exp_year"],
            "extended_authorization": {"status": "disabled"},
            "fingerprint": card["fingerprint"],
            "funding": card["funding"],
            "incremental_authorization": {"status": "unavailable"},
            "installments": None,
            "last4": card["last4"],
            "mandate": None,
            "multicapture": {"status": "unavailable"},
            "network": network,
            "network_token": {"used": False},
            "network_transaction_id": "1041029786787710" if paid else None,
            "overcapture": {"maximum_amount_capturable": amount, "status": "unavailable"},
            "regulated_status": "unregulated",
            "three_d_secure": None,
            "transaction_link_id": None,
            "wallet": None,
        },
        "type": "card",
    }


def descriptor(suffix=None) -> str:
    """What the statement shows: the account's prefix, then ``* SUFFIX`` when one is given."""
    return "EMULATOR" + (f"* {suffix}".upper() if suffix else "")


def build_charge(ctx, *, amount, currency, card, customer, params, captured, outcome_,
                 failure=None):
    """A charge object; ``failure`` = (code, message) for a failed one."""
    cid = charge_id()
    paid = failure is None
    suffix = params.get("statement_descriptor_suffix") or None
    return {
        "id": cid,
        "object": "charge",
        "amount": amount,
        "amount_captured": amount if paid and captured else 0,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": None,
        "billing_details": {
            "address": {"city": card["address_city"], "country": card["address_country"],
                        "line1": card["address_line1"], "line2": card["address_line2"],
                        "postal_code": card["address_zip"], "state": card["address_state"]},
            "email": None, "name": card["name"], "phone": None, "tax_id": None},
        "calculated_statement_descriptor": descriptor(suffix),
        "captured": bool(paid and captured),
        "created": ctx.now,
        "currency": currency,
        "customer": customer,
        "description": params.get("description") or None,
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": failure[0] if failure else None,
        "failure_message": failure[1] if failure else None,
        "fraud_details": {},
        "livemode": False,
        "metadata": {},
        "on_behalf_of": None,
        "outcome": outcome_,
        "paid": paid,
        "payment_intent": None,
        "payment_method": card["id"],
        "payment_method_details": payment_method_details(ctx.state, card, amount, paid),
        "radar_options": {},
        "receipt_email": params.get("receipt_email") or None,
        "receipt_number": None,
        "receipt_url": f"{ctx.base_url}/receipts/payment/{cid}",
        "refunded": False,
        "review": None,
        "shipping": None,
        "source": dict(card),
        "source_transfer": None,
        "statement_descriptor": params.get("statement_descriptor") or None,
        "statement_descriptor_suffix": suffix,
        "status": "succeeded" if paid else "failed",
        "transfer_data": None,
        "transfer_group": None,
    }


def fee_for(amount, currency):
    """2.9 % + 30 minor units (scaled to the currency's exponent)."""
    fixed = {0: 0, 2: 30, 3: 300}[exponent(currency)]
    return int(round(amount * 0.029)) + fixed


def balance_transaction(ctx, *, amount, currency, source, type_, description, fee=0):
    txn = {
        "id": new_id("txn_"),
        "object": "balance_transaction",
        "amount": amount,
        "available_on": ctx.now + 2 * 86400,
        "balance_type": "payments",
        "created": ctx.now,
        "currency": currency,
        "description": description,
        "exchange_rate": None,
        "fee": fee,
        "fee_details": ([{"amount": fee, "application": None, "currency": currency,
                          "description": "Stripe processing fees", "type": "stripe_fee"}]
                        if fee else []),
        "net": amount - fee,
        "reporting_category": type_,
        "source": source,
        "status": "pending",
        "type": type_,
    }
    ctx.state.balance_transactions[txn["id"]] = txn
    return txn


DISPUTES = {"dispute_fraudulent": ("fraudulent", "needs_response"),
            "dispute_product_not_received": ("product_not_received", "needs_response"),
            "dispute_inquiry": ("fraudulent", "warning_needs_response")}


#: Every ``dispute.evidence`` field the merchant can fill in (all null until submitted).
EVIDENCE_FIELDS = (
    "access_activity_log", "billing_address", "cancellation_policy",
    "cancellation_policy_disclosure", "cancellation_rebuttal", "customer_communication",
    "customer_email_address", "customer_name", "customer_purchase_ip", "customer_signature",
    "duplicate_charge_documentation", "duplicate_charge_explanation", "duplicate_charge_id",
    "product_description", "receipt", "refund_policy", "refund_policy_disclosure",
    "refund_refusal_explanation", "service_date", "service_documentation", "shipping_address",
    "shipping_carrier", "shipping_date", "shipping_documentation", "shipping_tracking_number",
    "uncategorized_file", "uncategorized_text",
)
NETWORK_REASON_CODES = {"fraudulent": "10.4", "product_not_received": "13.1"}


def dispute(ctx, charge, behaviour):
    reason, status = DISPUTES[behaviour]
    case_type = "inquiry" if status.startswith("warning") else "chargeback"
    card = charge["payment_method_details"]["card"]
    dp = {
        "id": new_id("dp_"),
        "object": "dispute",
        "amount": charge["amount"],
        "balance_transactions": [],
        "charge": charge["id"],
        "created": ctx.now,
        "currency": charge["currency"],
        "enhanced_eligibility_types": [],
        "evidence": {**dict.fromkeys(EVIDENCE_FIELDS), "enhanced_evidence": {}},
        "evidence_details": {"due_by": ctx.now + 7 * 86400, "enhanced_eligibility": {},
                             "has_evidence": False, "past_due": False,
                             "submission_count": 0, "submission_method": "not_submitted"},
        "intended_submission_method": None,
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "network_reason_code": NETWORK_REASON_CODES[reason],
        "payment_intent": None,
        "payment_method_details": {"card": {"brand": card["brand"], "case_type": case_type,
                                            "network": card["network"],
                                            "network_reason_code":
                                                NETWORK_REASON_CODES[reason]},
                                   "type": "card"},
        "reason": reason,
        "status": status,
    }
    ctx.state.disputes[dp["id"]] = dp
    return dp


def decline_for(behaviour):
    """(code, decline_code, message, param, advice) or None for a successful charge."""
    if behaviour in cards.DECLINES:
        return cards.DECLINES[behaviour]
    if behaviour in cards.CUSTOMER_FAIL:
        return cards.DECLINES[cards.CUSTOMER_FAIL[behaviour]]
    three_ds = cards.THREE_D_SECURE.get(behaviour)
    if three_ds is not None and three_ds.off_session != "never":  # no 3-D Secure here
        return cards.DECLINES["authentication_required"]
    return None


def charge_outcome(behaviour):
    """``(decline or None, outcome)`` of charging a card with this test behaviour."""
    decline = decline_for(behaviour)
    if behaviour == "radar_block":
        decline = ("card_declined", "fraudulent", "Your card was declined.", None, None)
        return decline, outcome(BLOCKED_OUTCOME)
    if decline:
        return decline, declined_outcome(decline[1], decline[4])
    return None, outcome(RISK_OUTCOMES.get(behaviour, SUCCESS_OUTCOME))
