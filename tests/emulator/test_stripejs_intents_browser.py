"""The Stripe.js stand-in's Elements and intent calls in real Chromium, on a shop page of
another origin that sends the store's Content-Security-Policy (the ``page`` fixture fails
the test on any CSP violation): the Payment Element paying, declining, 3-D Secure in the
modal and by redirect, deferred intents, split card Elements, a wallet probe, saving a card.
"""
import pytest
import stripe

from .shop_pages import ShopServer

pytestmark = pytest.mark.browser
MODAL = 'iframe[title="3D Secure authentication"]'


@pytest.fixture(scope="module")
def shop(emu):
    """The test shop (its own origin), serving pages/shop.html and shop.js."""
    server = ShopServer(emu.url).start()
    yield server
    server.stop()


def intent(**params):
    """A PaymentIntent made by the shop's server, as a shop does before showing its page."""
    params.setdefault("amount", 2000)
    params.setdefault("currency", "usd")
    return stripe.PaymentIntent.create(**params)


def open_shop(page, shop, flow, secret="", redirect=""):
    """Load the shop page for ``flow`` and wait until its Elements are ready."""
    page.goto(f"{shop.url}/shop?flow={flow}&secret={secret}&redirect={redirect}")
    page.wait_for_function("() => window.Stripe && window.stripe")


def fill_payment(page, number, expiry="12 / 34", cvc="123", postal="94107"):
    """Type a card into the Payment Element's fields (named as Stripe's iframe names them)."""
    page.wait_for_function("() => window.events.some(e => e.elementType === 'payment')")
    for name, value in (("number", number), ("expiry", expiry), ("cvc", cvc),
                        ("postalCode", postal)):
        page.fill(f"#payment input[name={name}]", value)


def submit(page, button="#pay"):
    """Press the page's button and wait for the stand-in's promise to settle."""
    page.evaluate("window.result = null")
    page.click(button)
    page.wait_for_function("() => window.result")
    return page.evaluate("window.result")


def press_in_modal(page, button):
    """Press Complete or Fail on the test page inside Stripe.js's modal."""
    page.wait_for_selector(MODAL)
    frame = page.frame_locator(MODAL)
    frame.locator(f"#test-source-{'authorize' if button == 'complete' else 'fail'}-3ds").click()


def test_payment_element_pays_with_4242(page, shop):
    """The Payment Element: ready and change events, then confirmPayment pays once."""
    pi = intent(metadata={"order_id": "1"})
    open_shop(page, shop, "payment", pi.client_secret)
    fill_payment(page, "4242 4242 4242 4242")
    change = page.evaluate("window.lastChange")
    assert (change["elementType"], change["complete"], change["value"]["type"]) == (
        "payment", True, "card")
    assert page.input_value("#payment input[name=number]") == "4242 4242 4242 4242"
    result = submit(page)
    assert result["paymentIntent"]["status"] == "succeeded" and "error" not in result
    assert "metadata" not in result["paymentIntent"]  # the publishable subset
    paid = stripe.PaymentIntent.retrieve(pi.id)
    charge = stripe.Charge.retrieve(paid.latest_charge)
    assert (paid.status, charge.billing_details.address.postal_code) == ("succeeded", "94107")
    assert len(stripe.Charge.list(payment_intent=pi.id).data) == 1
    # The card fields belong to no form: the shop's form never submits them to the shop.
    submitted = page.evaluate(
        "[...new FormData(document.getElementById('checkout')).keys()]")
    assert not {"number", "expiry", "cvc", "postalCode"} & set(submitted)


def test_payment_element_decline_then_another_card_on_the_same_intent(page, shop):
    """A decline resolves {error} with the intent; the buyer retries with 4242: one charge."""
    pi = intent()
    open_shop(page, shop, "payment", pi.client_secret)
    fill_payment(page, "4000000000009995")
    error = submit(page)["error"]
    assert (error["type"], error["code"], error["decline_code"]) == (
        "card_error", "card_declined", "insufficient_funds")
    assert error["message"] == "Your card has insufficient funds."
    assert error["payment_intent"]["status"] == "requires_payment_method"
    fill_payment(page, "4242424242424242")
    assert submit(page)["paymentIntent"]["status"] == "succeeded"
    statuses = sorted(c.status for c in stripe.Charge.list(payment_intent=pi.id).data)
    assert statuses == ["failed", "succeeded"]


def test_payment_element_validation_errors_are_shown_and_resolved(page, shop):
    """Incomplete cards never reach the emulator: validation_error, shown in the Element."""
    pi = intent()
    open_shop(page, shop, "payment", pi.client_secret)
    fill_payment(page, "4242 4242", postal="")
    error = submit(page)["error"]
    assert (error["type"], error["code"]) == ("validation_error", "incomplete_number")
    assert page.locator("#payment [role=alert]").inner_text() == "Your card number is incomplete."
    assert stripe.PaymentIntent.retrieve(pi.id).status == "requires_payment_method"


@pytest.mark.parametrize("button,status,code", [
    ("complete", "succeeded", None),
    ("fail", "requires_payment_method", "payment_intent_authentication_failure"),
])
def test_3ds_in_the_modal(page, shop, button, status, code):
    """confirmPayment with 3184: the test page opens in a modal frame; its answer settles."""
    pi = intent()
    open_shop(page, shop, "payment", pi.client_secret)
    fill_payment(page, "4000002760003184")
    page.click("#pay")
    page.wait_for_selector('[role=dialog][aria-modal=true][aria-label="3D Secure authentication"]',
                           state="visible")
    press_in_modal(page, button)
    page.wait_for_function("() => window.result")
    result = page.evaluate("window.result")
    assert page.locator(MODAL).count() == 0  # the modal is gone
    if code:
        assert result["error"]["code"] == code
        assert result["error"]["payment_intent"]["status"] == status
    else:
        assert result["paymentIntent"]["status"] == status
    assert stripe.PaymentIntent.retrieve(pi.id).status == status


@pytest.mark.parametrize("button,status", [("complete", "succeeded"),
                                           ("fail", "requires_payment_method")])
def test_3ds_by_redirect_and_back_to_the_return_url(page, shop, button, status):
    """A server-confirmed intent (redirect_to_url): handleNextAction navigates to the test
    page, whose answer redirects to the shop's return_url, which reads the intent."""
    pi = intent(payment_method="pm_card_authenticationRequired", confirm=True,
                return_url=f"{shop.url}/return")
    assert pi.next_action.type == "redirect_to_url"
    open_shop(page, shop, "nextaction", pi.client_secret)
    page.click("#pay")
    page.wait_for_url("**/3d_secure_2/hosted?**")
    page.click(f"#test-source-{'authorize' if button == 'complete' else 'fail'}-3ds")
    page.wait_for_url(f"{shop.url}/return?**")
    assert f"payment_intent={pi.id}" in page.url
    assert f"redirect_status={'succeeded' if status == 'succeeded' else 'failed'}" in page.url
    page.wait_for_function("() => window.result")
    assert page.evaluate("window.result.paymentIntent.status") == status


def test_confirm_payment_redirects_to_the_return_url_when_paid(page, shop):
    """redirect: 'always' (the default): after paying, the browser goes to return_url."""
    pi = intent()
    open_shop(page, shop, "payment", pi.client_secret, redirect="always")
    fill_payment(page, "5555555555554444")
    page.click("#pay")
    page.wait_for_url(f"{shop.url}/return?**")
    assert "redirect_status=succeeded" in page.url and f"payment_intent={pi.id}" in page.url
    page.wait_for_function("() => window.result")
    assert page.evaluate("window.result.paymentIntent.status") == "succeeded"


def test_deferred_intent_submit_then_confirm(page, shop):
    """elements({mode, amount, currency}): submit(), the server creates the intent, confirm."""
    open_shop(page, shop, "deferred")
    fill_payment(page, "4242424242424242")
    result = submit(page)
    assert result["paymentIntent"]["status"] == "succeeded", result
    (secret,) = shop.created[-1:]
    assert result["paymentIntent"]["client_secret"] == secret
    thrown = page.evaluate("""(secret) => stripe.confirmPayment({elements: window.elements,
        clientSecret: secret, redirect: 'if_required'}).then(() => 'resolved',
        e => e.name + ': ' + e.message)""", secret)
    assert thrown.startswith("IntegrationError: elements.submit() must be called before")


def test_split_card_elements_tokenize_create_a_payment_method_and_pay(page, shop):
    """cardNumber / cardExpiry / cardCvc: createToken, createPaymentMethod, and
    confirmCardPayment with 3-D Secure completed in the modal."""
    pi = intent()
    open_shop(page, shop, "split", pi.client_secret)
    page.wait_for_function("() => window.events.length === 3")
    page.fill("#number input[name=cardnumber]", "4000000000003220")
    page.fill("#expiry input[name=exp-date]", "1234")
    assert page.input_value("#expiry input[name=exp-date]") == "12 / 34"
    page.fill("#cvc input[name=cvc]", "12")
    incomplete = submit(page, "#token")["error"]
    assert incomplete["code"] == "incomplete_cvc"
    page.fill("#cvc input[name=cvc]", "123")
    change = page.evaluate("window.lastChange")
    assert change["elementType"] == "cardCvc" and change["complete"] is True
    token = submit(page, "#token")["token"]
    assert token["card"]["last4"] == "3220" and token["card"]["name"] == "Jenny Rosen"
    method = submit(page, "#pm")["paymentMethod"]
    assert (method["card"]["brand"], method["billing_details"]["name"]) == ("visa",
                                                                             "Jenny Rosen")
    page.click("#pay")
    press_in_modal(page, "complete")
    page.wait_for_function("() => window.result")
    assert page.evaluate("window.result.paymentIntent.status") == "succeeded"


def test_wallet_probe_finds_no_wallet_then_the_card_pays(page, shop):
    """paymentRequest.canMakePayment() resolves null and expressCheckout shows nothing, as
    in a browser without a wallet; the page then wires its card form and it submits."""
    pi = intent()
    open_shop(page, shop, "wallet", pi.client_secret)
    page.wait_for_function("() => window.canMakePayment === null")
    assert page.inner_text("#wallet-status") == "no wallet: pay by card"
    page.wait_for_function("() => window.expressReady")
    assert page.evaluate("[window.expressReady.elementType, "
                         "window.expressReady.availablePaymentMethods === undefined]") == [
        "expressCheckout", True]
    assert page.locator("#express [data-stripe-emulator]").is_hidden()
    page.wait_for_selector("#card input[name=cardnumber]")
    page.fill("#card input[name=cardnumber]", "4242424242424242")
    page.fill("#card input[name=exp-date]", "12 / 34")
    page.fill("#card input[name=cvc]", "123")
    page.evaluate("window.result = null")
    page.press("#card input[name=cvc]", "Enter")  # Enter submits the shop's form
    page.wait_for_function("() => window.result")
    assert page.evaluate("window.result.paymentIntent.status") == "succeeded"
    charge = stripe.Charge.retrieve(stripe.PaymentIntent.retrieve(pi.id).latest_charge)
    assert charge.billing_details.name == "Wallet-less Buyer"


def test_confirm_card_setup_with_3ds_saves_the_card(page, shop):
    """confirmCardSetup with 3155: the modal, then the card is attached and set up."""
    cus = stripe.Customer.create()
    si = stripe.SetupIntent.create(customer=cus.id)
    open_shop(page, shop, "setup", si.client_secret)
    page.wait_for_selector("#card input[name=cardnumber]")
    page.fill("#card input[name=cardnumber]", "4000002500003155")
    page.fill("#card input[name=exp-date]", "12 / 34")
    page.fill("#card input[name=cvc]", "123")
    page.fill("#card input[name=postal]", "10115")
    page.click("#pay")
    press_in_modal(page, "complete")
    page.wait_for_function("() => window.result")
    assert page.evaluate("window.result.setupIntent.status") == "succeeded"
    (saved,) = stripe.PaymentMethod.list(customer=cus.id).data
    assert saved.billing_details.address.postal_code == "10115"
    later = stripe.PaymentIntent.create(amount=900, currency="usd", customer=cus.id,
                                        payment_method=saved.id, confirm=True,
                                        off_session=True)
    assert later.status == "succeeded"


def test_address_element_fills_the_billing_details(page, shop):
    """The Address Element (billing) gives its name and address to confirmPayment."""
    pi = intent()
    open_shop(page, shop, "address", pi.client_secret)
    page.wait_for_function("() => window.events.some(e => e.elementType === 'address')")
    for name, value in (("name", "Ada Lovelace"), ("line1", "12 St James's Square"),
                        ("city", "London"), ("postal_code", "SW1Y 4JH"), ("country", "GB")):
        page.fill(f"#address input[name={name}]", value)
    got = page.evaluate("window.elements.getElement('address').getValue()")
    assert got["complete"] is True and got["value"]["address"]["city"] == "London"
    fill_payment(page, "4242424242424242", postal="SW1Y 4JH")
    assert submit(page)["paymentIntent"]["status"] == "succeeded"
    charge = stripe.Charge.retrieve(stripe.PaymentIntent.retrieve(pi.id).latest_charge)
    assert (charge.billing_details.name, charge.billing_details.address.country) == (
        "Ada Lovelace", "GB")


def test_address_element_in_shipping_mode_is_the_payments_shipping(page, shop):
    """The Address Element (shipping) goes to confirmPayment as ``shipping``: the intent
    and its charge keep it, the card's billing details do not get it."""
    pi = intent()
    open_shop(page, shop, "shipping", pi.client_secret)
    page.wait_for_function("() => window.events.some(e => e.elementType === 'address')")
    for name, value in (("name", "Ada Lovelace"), ("line1", "12 St James's Square"),
                        ("city", "London"), ("postal_code", "SW1Y 4JH"), ("country", "GB")):
        page.fill(f"#address input[name={name}]", value)
    fill_payment(page, "4242424242424242", postal="94107")
    assert submit(page)["paymentIntent"]["status"] == "succeeded"
    paid = stripe.PaymentIntent.retrieve(pi.id)
    assert (paid.shipping.name, paid.shipping.address.city) == ("Ada Lovelace", "London")
    charge = stripe.Charge.retrieve(paid.latest_charge)
    assert charge.shipping.address.country == "GB"
    assert charge.billing_details.name is None


def test_confirm_card_payment_sends_its_shipping(page, shop):
    """confirmCardPayment(secret, {payment_method, shipping}) as Stripe.js documents it."""
    pi = intent()
    open_shop(page, shop, "payment", pi.client_secret)
    result = page.evaluate("""(secret) => stripe.confirmCardPayment(secret, {
        payment_method: 'pm_card_visa',
        shipping: {name: 'Jenny Rosen', address: {line1: '1 Main St', country: 'US'}}})""",
                           pi.client_secret)
    assert result["paymentIntent"]["status"] == "succeeded"
    assert result["paymentIntent"]["shipping"]["name"] == "Jenny Rosen"
    assert stripe.PaymentIntent.retrieve(pi.id).shipping.address.line1 == "1 Main St"


INTEGRATION_ERRORS = [  # (code run on the page, what Stripe.js throws)
    ("stripe.elements().create('bogus')", "A valid Element name must be provided."),
    ("stripe.elements().create('iban')", "not emulated by the offline Stripe emulator"),
    ("stripe.elements().create('payment')", "you must pass a clientSecret or mode"),
    ("stripe.elements({clientSecret: 'nope'})", "clientSecret should be a client secret"),
    ("stripe.elements({mode: 'payment', currency: 'usd'})", "amount is required"),
    ("stripe.elements({mode: 'payment', amount: 1, currency: 'usd', "
     "paymentMethodTypes: ['card']})", "paymentMethodTypes is no longer supported"),
    ("stripe.elements().create('address')", 'needs a mode: "billing" or "shipping"'),
    ("stripe.paymentRequest({country: 'US', currency: 'usd'})", "total should be"),
    ("stripe.handleCardPayment('x')", "removed in 2026-03-25.dahlia"),
    ("(() => { const e = stripe.elements(); e.create('card'); e.create('card'); })()",
     "Can only create one Element of type card."),
]


@pytest.mark.parametrize("code,message", INTEGRATION_ERRORS)
def test_integration_errors(page, shop, code, message):
    """What no page should call throws Stripe.js's IntegrationError."""
    open_shop(page, shop, "return")
    thrown = page.evaluate(f"""(() => {{ try {{ {code}; return 'no error'; }}
        catch (e) {{ return [e.name, e.message, e instanceof Error]; }} }})()""")
    assert thrown[0] == "IntegrationError" and thrown[2] is True, thrown
    assert message in thrown[1]


def test_retrieve_and_promise_errors(page, shop):
    """retrievePaymentIntent / retrieveSetupIntent resolve; a bad secret rejects."""
    pi = intent(description="Course")
    open_shop(page, shop, "return")
    got = page.evaluate(f"stripe.retrievePaymentIntent({pi.client_secret!r})")
    assert got["paymentIntent"]["id"] == pi.id and got["paymentIntent"]["description"] == \
        "Course"
    wrong = page.evaluate(f"stripe.retrievePaymentIntent({(pi.id + '_secret_x')!r})")
    assert wrong["error"]["param"] == "client_secret"
    rejected = page.evaluate("stripe.confirmCardPayment('nope').then(() => 'ok', "
                             "e => e.name)")
    assert rejected == "IntegrationError"
    si = stripe.SetupIntent.create()
    assert page.evaluate(f"stripe.retrieveSetupIntent({si.client_secret!r})")[
        "setupIntent"]["status"] == "requires_payment_method"


def test_confirm_setup_with_the_payment_element(page, shop):
    """confirmSetup saves the Payment Element's card to the SetupIntent's customer."""
    cus = stripe.Customer.create()
    si = stripe.SetupIntent.create(customer=cus.id)
    open_shop(page, shop, "setupelement", si.client_secret)
    fill_payment(page, "5555555555554444")
    assert submit(page)["setupIntent"]["status"] == "succeeded"
    (saved,) = stripe.PaymentMethod.list(customer=cus.id).data
    assert saved.card.last4 == "4444"
    thrown = page.evaluate("""() => stripe.confirmPayment({elements: window.elements,
        redirect: 'if_required'}).then(() => 'resolved', e => e.name + ': ' + e.message)""")
    assert thrown.startswith("IntegrationError: confirmPayment() needs a payment_intent")


def test_create_payment_method_from_elements_and_fetch_updates(page, shop):
    """createPaymentMethod({elements}) uses the Payment Element; fetchUpdates resolves {}."""
    pi = intent()
    open_shop(page, shop, "payment", pi.client_secret)
    fill_payment(page, "378282246310005", cvc="1234")
    made = page.evaluate("""() => stripe.createPaymentMethod({elements: window.elements,
        params: {billing_details: {name: 'Amex Holder'}}})""")
    method = made["paymentMethod"]
    assert (method["card"]["brand"], method["billing_details"]["name"]) == ("amex",
                                                                             "Amex Holder")
    assert method["billing_details"]["address"]["postal_code"] == "94107"
    assert page.evaluate("() => window.elements.fetchUpdates()") == {}


def test_handle_card_action_for_manual_confirmation(page, shop):
    """The manual-confirmation flow: the server confirms, handleCardAction runs 3-D Secure
    in the modal, the server confirms again."""
    pi = intent(payment_method="pm_card_authenticationRequired", confirm=True,
                confirmation_method="manual", allowed_payment_method_types=["card"])
    assert pi.status == "requires_action"
    open_shop(page, shop, "return")
    page.evaluate("(secret) => { window.result = null; stripe.handleCardAction(secret)"
                  ".then(r => { window.result = r; }); }", pi.client_secret)
    press_in_modal(page, "complete")
    page.wait_for_function("() => window.result")
    assert page.evaluate("window.result.paymentIntent.status") == "requires_confirmation"
    assert stripe.PaymentIntent.confirm(pi.id).status == "succeeded"
    again = page.evaluate("(secret) => stripe.handleCardAction(secret).then(() => 'ok', "
                          "e => e.name)", pi.client_secret)
    assert again == "IntegrationError"  # not in requires_action any more
