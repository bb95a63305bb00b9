"""Charge list, pagination, created filters, update, capture and the Search API."""
import time

import pytest
import stripe

from stripe_emulator.search import parse

from .helpers import charge


@pytest.fixture
def five_charges():
    """Five charges, oldest first, amounts 1000..5000."""
    return [charge(amount=1000 * (i + 1), source="tok_visa", metadata={"n": str(i)})
            for i in range(5)]


def test_list_newest_first_and_limit(five_charges):
    page = stripe.Charge.list(limit=2)
    assert [c.id for c in page.data] == [five_charges[4].id, five_charges[3].id]
    assert page.has_more is True and page.url == "/v1/charges"
    assert len(stripe.Charge.list().data) == 5


def test_starting_after_and_ending_before(five_charges):
    ids = [c.id for c in reversed(five_charges)]
    after = stripe.Charge.list(limit=2, starting_after=ids[1])
    assert [c.id for c in after.data] == ids[2:4] and after.has_more
    before = stripe.Charge.list(limit=2, ending_before=ids[3])
    assert [c.id for c in before.data] == ids[1:3] and before.has_more
    last = stripe.Charge.list(limit=2, starting_after=ids[3])
    assert [c.id for c in last.data] == ids[4:] and not last.has_more


def test_auto_paging_iter_walks_everything(five_charges):
    seen = [c.id for c in stripe.Charge.list(limit=2).auto_paging_iter()]
    assert seen == [c.id for c in reversed(five_charges)]


@pytest.mark.parametrize("limit", [0, 101, "x"])
def test_limit_out_of_range(limit):
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Charge.list(limit=limit)
    assert info.value.param == "limit"


def test_created_filters(five_charges):
    created = five_charges[0].created
    assert len(stripe.Charge.list(created={"gte": created}).data) == 5
    assert stripe.Charge.list(created={"gt": created + 3600}).data == []
    assert len(stripe.Charge.list(created={"lte": created + 3600, "gte": created - 1}).data) \
        == 5
    assert stripe.Charge.list(created={"lt": created - 1}).data == []


def test_list_by_customer():
    cus = stripe.Customer.create(source="tok_visa")
    mine = charge(customer=cus.id)
    charge(source="tok_visa")
    assert [c.id for c in stripe.Charge.list(customer=cus.id).data] == [mine.id]


def test_update_merges_and_unsets_metadata():
    ch = charge(source="tok_visa", metadata={"a": "1", "b": "2"}, description="old")
    ch = stripe.Charge.modify(ch.id, metadata={"b": "", "c": "3"}, description="new")
    assert ch.metadata.to_dict() == {"a": "1", "c": "3"} and ch.description == "new"
    assert stripe.Charge.retrieve(ch.id).metadata.to_dict() == {"a": "1", "c": "3"}


def test_capture_false_then_capture():
    ch = charge(source="tok_visa", capture=False)
    assert (ch.status, ch.paid, ch.captured, ch.amount_captured) == ("succeeded", True,
                                                                     False, 0)
    assert ch.balance_transaction is None
    ch = stripe.Charge.capture(ch.id)
    assert ch.captured and ch.amount_captured == 2000 and ch.balance_transaction
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Charge.capture(ch.id)
    assert info.value.code == "charge_already_captured"


def test_expand_balance_transaction_on_create_retrieve_and_list():
    ch = charge(source="tok_visa", expand=["balance_transaction"])
    assert ch.balance_transaction.object == "balance_transaction"
    assert ch.balance_transaction.source == ch.id
    again = stripe.Charge.retrieve(ch.id, expand=["balance_transaction", "customer"])
    assert again.balance_transaction.id == ch.balance_transaction.id
    listed = stripe.Charge.list(expand=["data.balance_transaction"]).data[0]
    assert listed.balance_transaction.fee == 88


@pytest.mark.parametrize("query,expected", [
    ("metadata['n']:'2'", [2]),
    ('metadata["n"]:"2"', [2]),
    ("metadata['n']:'2' OR metadata['n']:'4'", [4, 2]),
    ("status:'succeeded' AND amount>3000", [4, 3]),
    ("amount>=2000 amount<=3000", [2, 1]),
    ("amount<2000", [0]),
    ("amount:5000", [4]),
    ("currency:'usd' AND -metadata['n']:'0'", [4, 3, 2, 1]),
    ("-metadata['n']:null", [4, 3, 2, 1, 0]),
    ("metadata['missing']:null", [4, 3, 2, 1, 0]),
    ("status:'failed'", []),
    ("refunded:'true'", []),
    ("disputed:'false' and amount=1000", [0]),
])
def test_search_queries(five_charges, query, expected):
    result = stripe.Charge.search(query=query)
    assert result.object == "search_result" and result.url == "/v1/charges/search"
    assert [c.id for c in result.data] == [five_charges[i].id for i in expected]


def test_search_created_customer_and_refunded(five_charges):
    cus = stripe.Customer.create(source="tok_visa")
    owned = charge(customer=cus.id)
    stripe.Refund.create(charge=five_charges[0].id)
    stripe.Refund.create(charge=five_charges[1].id, amount=100)
    assert [c.id for c in stripe.Charge.search(query=f"customer:'{cus.id}'").data] == \
        [owned.id]
    assert [c.id for c in stripe.Charge.search(query="refunded:'true'").data] == \
        [five_charges[0].id]
    assert [c.id for c in stripe.Charge.search(query="refunded:'false'").data] == \
        [five_charges[1].id]
    since = int(time.time()) - 60
    assert len(stripe.Charge.search(query=f"created>{since}").data) == 6


def test_search_paging(five_charges):
    first = stripe.Charge.search(query="currency:'usd'", limit=2)
    assert first.has_more and first.next_page
    second = stripe.Charge.search(query="currency:'usd'", limit=2, page=first.next_page)
    assert [c.id for c in second.data] == [five_charges[2].id, five_charges[1].id]
    everything = [c.id for c in first.auto_paging_iter()]
    assert everything == [c.id for c in reversed(five_charges)]


@pytest.mark.parametrize("query", ["nonsense:'x'", "amount>", "amount:1 AND amount:2 OR amount:3"])
def test_search_rejects_bad_queries(query):
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe.Charge.search(query=query)
    assert info.value.http_status == 400 and info.value.param == "query"


def test_search_requires_query(client):
    with pytest.raises(stripe.InvalidRequestError) as info:
        client.v1.charges.search(params={"query": ""})
    assert info.value.code == "parameter_missing"


def test_parse_joins():
    assert parse("a:'1' or b:'2'", {"a": "string", "b": "string"})[0] == "OR"
