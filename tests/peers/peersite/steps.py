"""What the test asks dj-stripe to do, one step per run, the answer as JSON on stdout.

    python -m peersite.steps sync charge ch_… [ch_…]   Model.sync_from_stripe_data(retrieve)
    python -m peersite.steps process_event evt_…       Event.process(retrieve): its handlers
    python -m peersite.steps sync_models Charge …      manage.py djstripe_sync_models
    python -m peersite.steps register_webhook URL      the admin form's WebhookEndpoint calls
    python -m peersite.steps report                    every dj-stripe row the test checks

Every call goes through dj-stripe's own code and its pinned stripe-python; nothing here
talks to the emulator except through them.
"""
import io
import json
import os
import sys
import traceback
from urllib.parse import urljoin

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peersite.settings")

import django  # noqa: E402

django.setup()

import stripe  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.urls import reverse  # noqa: E402
from djstripe import models  # noqa: E402
from djstripe.enums import WebhookEndpointValidation  # noqa: E402
from djstripe.settings import djstripe_settings  # noqa: E402

KEY = settings.STRIPE_TEST_SECRET_KEY
MODELS = {"account": models.Account, "customer": models.Customer, "card": models.Card,
          "payment_method": models.PaymentMethod, "charge": models.Charge,
          "refund": models.Refund, "dispute": models.Dispute,
          "balance_transaction": models.BalanceTransaction, "event": models.Event,
          "webhook_endpoint": models.WebhookEndpoint}


def _retrieve(kind, obj_id):
    """The object as dj-stripe's stripe-python fetches it (a card through its customer)."""
    if kind == "card":
        customer_id, _, card_id = obj_id.partition("/")
        return stripe.Customer.retrieve_source(customer_id, card_id, api_key=KEY)
    return MODELS[kind].stripe_class.retrieve(obj_id, api_key=KEY)


def sync(kind, *ids):
    """``Model.sync_from_stripe_data`` of each object, as an app does after an API call."""
    synced = []
    for obj_id in ids:
        row = MODELS[kind].sync_from_stripe_data(_retrieve(kind, obj_id), api_key=KEY)
        synced.append(row.id)
    return {"synced": synced}


def process_event(*ids):
    """``Event.process``: store the event and run dj-stripe's handler for its type."""
    return {"processed": [models.Event.process(_retrieve("event", i), api_key=KEY).id
                          for i in ids]}


def sync_models(*names):
    """``manage.py djstripe_sync_models NAME… --api-keys KEY --fail-on-error``."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("djstripe_sync_models", *names, api_keys=[KEY], fail_on_error=True,
                     stdout=out, stderr=err)
        ok = True
    except Exception:  # noqa: BLE001 - reported to the test, which fails on it
        ok = False
        err.write(traceback.format_exc())
    return {"ok": ok, "stdout": out.getvalue(), "stderr": err.getvalue()}


def register_webhook(base_url):
    """What dj-stripe's WebhookEndpointAdminCreateForm does (its loopback URL check aside):
    ``POST /v1/webhook_endpoints`` with the dj-stripe uuid in the metadata, then sync."""
    account = models.Account.get_or_retrieve_for_api_key(KEY)
    instance = models.WebhookEndpoint()
    url = urljoin(base_url, reverse("djstripe:djstripe_webhook_by_uuid",
                                    kwargs={"uuid": instance.djstripe_uuid}))
    data = models.WebhookEndpoint._api_create(
        url=url, api_version=djstripe_settings.STRIPE_API_VERSION, enabled_events=["*"],
        metadata={"djstripe_uuid": str(instance.djstripe_uuid)}, connect=False,
        api_key=account.get_default_api_key(livemode=False))
    data["djstripe_tolerance"] = stripe.Webhook.DEFAULT_TOLERANCE
    data["djstripe_validation_method"] = WebhookEndpointValidation.verify_signature
    endpoint = models.WebhookEndpoint.sync_from_stripe_data(data, api_key=KEY)
    return {"id": endpoint.id, "url": endpoint.url, "uuid": str(endpoint.djstripe_uuid),
            "has_secret": bool(endpoint.secret)}


def _row(obj):
    """A row's id, its foreign keys (ids) and the Stripe data dj-stripe stored."""
    fks = {f.name: getattr(obj, f.attname) for f in obj._meta.concrete_fields
           if f.is_relation and f.name != "djstripe_owner_account"}
    return {"fk": fks, "owner": obj.djstripe_owner_account_id, "data": obj.stripe_data}


def report():
    """Every row of the models the test checks, and the webhook triggers."""
    out = {kind: {o.id: _row(o) for o in model.objects.all()}
           for kind, model in MODELS.items()}
    out["webhook_triggers"] = [
        {"event": t.event_id, "valid": t.valid, "processed": t.processed,
         "exception": t.exception, "endpoint": t.webhook_endpoint_id}
        for t in models.WebhookEventTrigger.objects.order_by("id")]
    return out


STEPS = {"sync": sync, "process_event": process_event, "sync_models": sync_models,
         "register_webhook": register_webhook, "report": report}


def main(argv):
    """Run one step; print its JSON answer (a Python error: exit 1 with the traceback)."""
    result = STEPS[argv[1]](*argv[2:])
    sys.stdout.write(json.dumps(result, default=str) + "\n")


if __name__ == "__main__":
    main(sys.argv)
