"""Customers (§5.3), refunds (§5.4), events (§4.1) and balance transactions (§5.7)."""
import pytest
import stripe

from .helpers import card_token, charge


def test_customer_create_with_source_and_expand_sources():
    cus = stripe.Customer.create(source="tok_visa", email="jenny@example.com",
                                 name="Jenny", description="d", metadata={"user": "7"})
    assert cus.id.startswith("cus_") and cus.default_source.startswith("card_")
    assert "sources" not in cus
    full = stripe.Customer.retrieve(cus.id, expand=["sources"])
    (card,) = full.sources.data
    assert card.id == cus.default_source and card.customer == cus.id
    assert full.sources.url == f"/v1/customers/{cus.id}/sources"
    assert (full.email, full.name, full.metadata.user) == ("jenny@example.com", "Jenny", "7")


def test_charge_customer_uses_default_source():
    cus = stripe.Customer.create(source="tok_mastercard")
    ch = charge(customer=cus.id)
    assert ch.customer == cus.id and ch.source.id == cus.default_source
    assert ch.payment_method_details.card.brand == "mastercard"
    # An explicit card of the customer works too.
    assert charge(customer=cus.id, source=cus.default_source).status == "succeeded"


def test_customer_without_source_cannot_be_charged():
    cus = stripe.Customer.create(email="x@example.com")
    with pytest.raises(stripe.CardError) as info:
        charge(customer=cus.id)
    assert info.value.code == "missing"
    assert info.value.user_message.startswith("This Customer doesn't have any saved payment")


def test_update_source_default_source_email_metadata():
    cus = stripe.Customer.create(source="tok_visa", metadata={"a": "1"})
    first = cus.default_source
    cus = stripe.Customer.modify(cus.id, source="tok_amex", email="new@example.com",
                                 metadata={"b": "2"})
    assert cus.default_source != first and cus.email == "new@example.com"
    assert cus.metadata.to_dict() == {"a": "1", "b": "2"}
    cus = stripe.Customer.modify(cus.id, default_source=first)
    assert cus.default_source == first
    assert len(stripe.Customer.retrieve(cus.id, expand=["sources"]).sources.data) == 2


@pytest.mark.parametrize("token", ["tok_chargeDeclined", "tok_visa_chargeDeclinedLostCard",
                                   "tok_chargeDeclinedExpiredCard"])
def test_decline_cards_cannot_be_attached(token):
    with pytest.raises(stripe.CardError) as info:
        stripe.Customer.create(source=token)
    assert info.value.http_status == 402
    assert stripe.Customer.list().data == []


def test_customer_list_by_email_and_delete():
    a = stripe.Customer.create(email="a@example.com")
    stripe.Customer.create(email="b@example.com")
    assert [c.id for c in stripe.Customer.list(email="a@example.com").data] == [a.id]
    gone = stripe.Customer.delete(a.id)
    assert (gone.id, gone.object, gone.deleted) == (a.id, "customer", True)
    assert stripe.Customer.retrieve(a.id).deleted is True
    assert [c.email for c in stripe.Customer.list().data] == ["b@example.com"]


def test_customer_search_and_client(client):
    cus = client.v1.customers.create(params={"email": "search@example.com"})
    found = client.v1.customers.search(params={"query": "email:'search@example.com'"})
    assert [c.id for c in found.data] == [cus.id]


def test_partial_then_full_refund_keeps_charge_right():
    ch = charge(amount=2000, source="tok_visa")
    part = stripe.Refund.create(charge=ch.id, amount=500, reason="requested_by_customer",
                                metadata={"why": "x"})
    assert (part.amount, part.status, part.charge, part.reason) == \
        (500, "succeeded", ch.id, "requested_by_customer")
    after = stripe.Charge.retrieve(ch.id)
    assert (after.amount_refunded, after.refunded) == (500, False)
    rest = stripe.Refund.create(charge=ch.id)
    assert rest.amount == 1500
    after = stripe.Charge.retrieve(ch.id)
    assert (after.amount_refunded, after.refunded) == (2000, True)
    assert [r.id for r in stripe.Refund.list(charge=ch.id).data] == [rest.id, part.id]
    assert stripe.Refund.retrieve(part.id).metadata.why == "x"
    txn = stripe.BalanceTransaction.retrieve(rest.balance_transaction)
    assert (txn.amount, txn.type, txn.source) == (-1500, "refund", rest.id)


def test_over_refund_and_double_refund():
    ch = charge(amount=2000, source="tok_visa")
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Refund.create(charge=ch.id, amount=2500)
    assert info.value.user_message == ("Refund amount ($25.00) is greater than unrefunded "
                                       "amount on charge ($20.00)")
    stripe.Refund.create(charge=ch.id)
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Refund.create(charge=ch.id, amount=2000)
    assert info.value.user_message == ("Refund amount ($20.00) is greater than unrefunded "
                                       "amount on charge ($0.00)")
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Refund.create(charge=ch.id)
    assert info.value.code == "charge_already_refunded"
    assert info.value.user_message == f"Charge {ch.id} has already been refunded."


def test_refund_via_charge_endpoint(client):
    ch = charge(source="tok_visa")
    raw = client.raw_request("post", f"/v1/charges/{ch.id}/refunds", amount=700)
    refund = client.deserialize(raw, api_mode="V1")
    assert refund.amount == 700 and stripe.Charge.retrieve(ch.id).amount_refunded == 700


def test_refund_events_and_unknown_charge():
    ch = charge(source="tok_visa")
    stripe.Refund.create(charge=ch.id)
    types = [e.type for e in stripe.Event.list(limit=3).data]
    assert set(types[:2]) == {"charge.refunded", "refund.created"}
    refunded = stripe.Event.list(type="charge.refunded").data[0].data.object
    assert refunded.refunded is True and refunded.amount_refunded == 2000
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Refund.create(charge="ch_missing")
    assert info.value.code == "resource_missing" and info.value.param == "charge"


def test_events_list_retrieve_type_filter_and_shape():
    stripe.Customer.create(email="e@example.com")
    ch = charge(source="tok_visa", idempotency_key="evt-key-1")
    events = stripe.Event.list().data
    assert [e.type for e in events] == ["charge.succeeded", "customer.created"]
    event = stripe.Event.retrieve(events[0].id)
    assert event.data.object.id == ch.id and event.data.object.object == "charge"
    assert event.api_version and event.livemode is False and event.pending_webhooks == 0
    assert event.request.idempotency_key == "evt-key-1"
    assert event.request.id.startswith("req_")
    assert [e.type for e in stripe.Event.list(type="customer.created").data] == \
        ["customer.created"]
    page = stripe.Event.list(limit=1)
    assert page.has_more and len(page.data) == 1


def test_event_snapshot_does_not_change_later():
    ch = charge(source="tok_visa")
    stripe.Refund.create(charge=ch.id)
    succeeded = stripe.Event.list(type="charge.succeeded").data[0]
    assert succeeded.data.object.amount_refunded == 0


def test_balance_transactions_for_charges():
    ch = charge(amount=10000, source="tok_visa", description="Course")
    txn = stripe.BalanceTransaction.retrieve(ch.balance_transaction)
    assert (txn.amount, txn.fee, txn.net, txn.type, txn.reporting_category) == \
        (10000, 320, 9680, "charge", "charge")
    assert txn.fee_details[0].type == "stripe_fee" and txn.source == ch.id
    assert txn.available_on > txn.created and txn.status in ("pending", "available")
    listed = stripe.BalanceTransaction.list(type="charge")
    assert [t.id for t in listed.data] == [txn.id]


def test_failed_charge_has_no_balance_transaction():
    with pytest.raises(stripe.CardError):
        charge(source="tok_chargeDeclined")
    assert stripe.BalanceTransaction.list().data == []


def test_token_charge_for_tokenized_card_keeps_address():
    token = card_token("4242424242424242", name="Jenny Rosen", address_zip="94107")
    ch = charge(source=token.id)
    assert ch.billing_details.name == "Jenny Rosen"
    assert ch.payment_method_details.card.checks.address_postal_code_check == "pass"


def test_saved_cards_are_retrieved_and_deleted(client):
    """The saved-card calls app/payments/customers.py makes, through StripeClient."""
    cus = client.v1.customers.create(params={"source": "tok_visa", "email": "s@example.com"})
    first = cus.default_source
    second = client.v1.customers.payment_sources.create(cus.id, params={"source": "tok_amex"})
    client.v1.customers.update(cus.id, params={"default_source": second.id})
    got = client.v1.customers.payment_sources.retrieve(cus.id, second.id)
    assert (got.id, got.object, got.brand, got.customer) == \
        (second.id, "card", "American Express", cus.id)
    deleted = client.v1.customers.payment_sources.delete(cus.id, second.id)
    assert deleted.to_dict() == {"id": second.id, "object": "card", "deleted": True}
    after = client.v1.customers.retrieve(cus.id, params={"expand": ["sources"]})
    assert after.default_source == first and [s.id for s in after.sources.data] == [first]
    (event,) = stripe.Event.list(type="customer.source.deleted").data
    assert event.data.object.id == second.id
    client.v1.customers.payment_sources.delete(cus.id, first)
    assert client.v1.customers.retrieve(cus.id).default_source is None
    with pytest.raises(stripe.CardError) as info:
        charge(customer=cus.id)
    assert info.value.code == "missing"


@pytest.mark.parametrize("call,message", [
    (lambda c, cus, other: c.v1.customers.payment_sources.retrieve(cus, "card_nope"),
     "No such source: 'card_nope'"),
    (lambda c, cus, other: c.v1.customers.payment_sources.delete(cus, other),
     "No such source: '{other}'"),
    (lambda c, cus, other: c.v1.customers.payment_sources.delete("cus_nope", other),
     "No such customer: 'cus_nope'"),
])
def test_another_customers_card_is_not_found(client, call, message):
    cus = client.v1.customers.create(params={"source": "tok_visa"})
    other = client.v1.customers.create(params={"source": "tok_visa"}).default_source
    with pytest.raises(stripe.InvalidRequestError) as info:
        call(client, cus.id, other)
    assert info.value.http_status == 404 and info.value.code == "resource_missing"
    assert info.value.user_message == message.format(other=other)
    assert client.v1.customers.retrieve(cus.id).default_source is not None
