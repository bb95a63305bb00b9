"""The emulator's hosted Checkout page in real Chromium: the shop sends the buyer to the
Session's url; paying with 4242, a decline shown on the page, a 3-D Secure card through
the test authentication page, and the back link to cancel_url."""
import pytest
import stripe

from .shop_pages import ShopServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def shop(emu):
    """The shop the buyer comes from and returns to (another origin)."""
    server = ShopServer(emu.url).start()
    yield server
    server.stop()


def checkout(shop, **params):
    """A Session for one course, returning to the shop."""
    return stripe.checkout.Session.create(
        mode="payment", client_reference_id="42",
        success_url=f"{shop.url}/return?session_id={{CHECKOUT_SESSION_ID}}",
        cancel_url=f"{shop.url}/return?canceled=1",
        line_items=[{"price_data": {"currency": "usd", "unit_amount": 6900,
                                    "product_data": {"name": "Python Jumpstart"}},
                     "quantity": 1}], **params)


def fill(page, number, email="buyer@example.com"):
    """Type the buyer's details into the hosted page (Stripe's field names)."""
    if page.locator("#email").get_attribute("readonly") is None:
        page.fill("input[name=email]", email)
    page.fill("input[name=cardNumber]", number)
    page.fill("input[name=cardExpiry]", "12 / 34")
    page.fill("input[name=cardCvc]", "123")
    page.fill("input[name=billingName]", "Jenny Rosen")
    page.fill("input[name=billingPostalCode]", "94107")


def test_hosted_page_pays_and_returns_to_the_success_url(page, shop):
    """4242: the page shows the order, pays, and the buyer lands on success_url."""
    cs = checkout(shop, customer_email="buyer@example.com")
    page.goto(cs.url)
    assert page.locator(".banner").inner_text().startswith("TEST MODE")
    assert "Python Jumpstart" in page.inner_text("table")
    assert page.inner_text("#total") == "$69.00 USD"
    assert page.locator("#email").get_attribute("readonly") is not None
    assert page.input_value("#email") == "buyer@example.com"
    assert page.get_attribute("label[for=cardNumber]", "for") == "cardNumber"
    fill(page, "4242 4242 4242 4242")
    page.click("#submit")
    page.wait_for_url(f"{shop.url}/return?session_id={cs.id}")
    page.wait_for_function("() => window.result")
    assert page.evaluate("window.result.checkoutSession") == cs.id
    done = stripe.checkout.Session.retrieve(cs.id, expand=["payment_intent"])
    assert (done.status, done.payment_status, done.payment_intent.status) == (
        "complete", "paid", "succeeded")


def test_hosted_page_shows_a_decline_then_takes_another_card(page, shop):
    """The decline is shown on the page (announced), the Session stays open; 4242 pays."""
    cs = checkout(shop)
    page.goto(cs.url)
    fill(page, "4000 0000 0000 9995")
    page.click("#submit")
    page.wait_for_selector("[role=alert].error")
    assert page.inner_text("[role=alert]") == "Your card has insufficient funds."
    assert page.input_value("input[name=email]") == "buyer@example.com"
    assert stripe.checkout.Session.retrieve(cs.id).status == "open"
    fill(page, "4242424242424242")
    page.click("#submit")
    page.wait_for_url(f"{shop.url}/return?session_id={cs.id}")
    assert stripe.checkout.Session.retrieve(cs.id).payment_status == "paid"


@pytest.mark.parametrize("button", ["complete", "fail"])
def test_hosted_page_3ds_through_the_test_authentication_page(page, shop, button):
    """3184: the test page (Complete/Fail); Complete pays, Fail comes back with why."""
    cs = checkout(shop)
    page.goto(cs.url)
    fill(page, "4000 0027 6000 3184")
    page.click("#submit")
    page.wait_for_url("**/3d_secure_2/hosted?**")
    assert "3D Secure 2 Test Page" in page.inner_text("h1")
    page.click(f"#test-source-{'authorize' if button == 'complete' else 'fail'}-3ds")
    if button == "complete":
        page.wait_for_url(f"{shop.url}/return?session_id={cs.id}")
        assert stripe.checkout.Session.retrieve(cs.id).payment_status == "paid"
    else:
        page.wait_for_url(f"{cs.url}/return?**")
        assert page.inner_text("[role=alert]").startswith(
            "We are unable to authenticate your payment method.")
        assert stripe.checkout.Session.retrieve(cs.id).status == "open"
        assert stripe.Charge.list().data == []


def test_back_link_returns_to_the_cancel_url_with_nothing_charged(page, shop):
    """The back link goes to cancel_url; the Session stays open and nothing is charged."""
    cs = checkout(shop)
    page.goto(cs.url)
    page.click("#cancel")
    page.wait_for_url(f"{shop.url}/return?canceled=1")
    page.wait_for_function("() => window.result")
    assert page.evaluate("window.result.canceled") is True
    assert stripe.checkout.Session.retrieve(cs.id).status == "open"
    assert stripe.PaymentIntent.list().data == [] and stripe.Charge.list().data == []


def test_expired_session_page_says_so(page, shop):
    """After expire, the page says the Session has expired and offers the way back."""
    cs = checkout(shop)
    stripe.checkout.Session.expire(cs.id)
    page.goto(cs.url)
    assert page.inner_text("h1") == "This Checkout Session has expired"
    page.click("a:has-text('Back to the shop')")
    page.wait_for_url(f"{shop.url}/return?canceled=1")


def test_hosted_page_collects_what_the_session_asks_for(page, shop):
    """Phone, shipping address, a custom dropdown, terms of service and an adjustable
    quantity (its input sits in the order summary, outside the form) in Chromium."""
    line = {"price_data": {"currency": "usd", "unit_amount": 6900,
                           "product_data": {"name": "Seat"}}, "quantity": 1,
            "adjustable_quantity": {"enabled": True, "maximum": 3}}
    cs = stripe.checkout.Session.create(
        mode="payment", line_items=[line], phone_number_collection={"enabled": True},
        shipping_address_collection={"allowed_countries": ["US", "CA"]},
        custom_fields=[{"key": "school", "type": "dropdown",
                        "label": {"type": "custom", "custom": "School"},
                        "dropdown": {"options": [{"label": "North", "value": "north"}]}}],
        consent_collection={"terms_of_service": "required"},
        customer_email="buyer@example.com",
        success_url=f"{shop.url}/return?session_id={{CHECKOUT_SESSION_ID}}")
    page.goto(cs.url)
    fill(page, "4242 4242 4242 4242")
    page.fill("#phone", "+1 415 555 0100")
    page.fill("#shippingName", "Jo Rosen")
    page.fill("#shippingAddressLine1", "1 Main St")
    page.fill("#shippingLocality", "San Francisco")
    page.fill("#shippingPostalCode", "94107")
    page.select_option("#shippingCountry", "US")
    page.select_option("#custom-school", "north")
    page.fill("#quantity-0", "2")
    page.click("#submit")
    assert page.inner_text("[role=alert]") == "Agree to the Terms of Service to continue."
    assert page.input_value("#quantity-0") == "2" and page.input_value("#phone") != ""
    page.check("#termsOfServiceConsent")
    page.fill("input[name=cardCvc]", "123")  # never kept by the page
    page.click("#submit")
    page.wait_for_url(f"{shop.url}/return?session_id={cs.id}")
    done = stripe.checkout.Session.retrieve(cs.id)
    assert (done.status, done.amount_total, done.customer_details.phone) == (
        "complete", 13800, "+1 415 555 0100")
    assert done.collected_information.shipping_details.address.country == "US"
    assert done.custom_fields[0].dropdown.value == "north"
