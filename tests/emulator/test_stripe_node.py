"""The emulator driven by a second official SDK: stripe-node (pinned in tests/node/).

Starts an emulator on a free port, installs the pinned stripe-node with ``npm ci`` when
``tests/node/node_modules`` lacks it, and runs ``node --test`` there with the emulator's URL
in ``STRIPE_EMULATOR_URL``. CI installs Node.js and npm from Debian when missing.
"""
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from scripts.lifetime import ends_with_this_process
from stripe_emulator.server import EmulatorServer

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
MIN_TESTS = 25


def _tool(name):
    path = shutil.which(name)
    assert path, f"{name} is not installed: apt-get install nodejs npm (Node.js 20 or later)"
    return path


def _installed_version():
    manifest = NODE_DIR / "node_modules" / "stripe" / "package.json"
    return json.loads(manifest.read_text())["version"] if manifest.exists() else None


def _ensure_stripe_node():
    pinned = json.loads((NODE_DIR / "package.json").read_text())["dependencies"]["stripe"]
    if _installed_version() != pinned:
        proc = subprocess.run([_tool("npm"), "ci", "--no-audit", "--no-fund",
                               "--loglevel=error"], cwd=NODE_DIR, capture_output=True,
                              text=True, timeout=600, preexec_fn=ends_with_this_process())
        assert proc.returncode == 0, f"npm ci failed:\n{proc.stdout}\n{proc.stderr}"
    assert _installed_version() == pinned


def _runner_flags(node):
    """One test file at a time where the runner supports it (Node 20.10+; Debian 12's
    Node 18 runs files in parallel, which the suite tolerates)."""
    out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30,
                         preexec_fn=ends_with_this_process())
    major, minor = (int(x) for x in out.stdout.strip().lstrip("v").split(".")[:2])
    return ["--test-concurrency=1"] if (major, minor) >= (20, 10) else []


def test_stripe_node_suite():
    node = _tool("node")
    _ensure_stripe_node()
    with EmulatorServer(host="127.0.0.1", port=0, webhook_retry_base=0.05,
                        webhook_max_attempts=2) as srv:
        env = {**os.environ, "STRIPE_EMULATOR_URL": srv.url, "NODE_NO_WARNINGS": "1"}
        proc = subprocess.run([node, "--test", *_runner_flags(node), "--test-reporter=tap"],
                              cwd=NODE_DIR, env=env, preexec_fn=ends_with_this_process(),
                              capture_output=True, text=True, timeout=600)
    output = f"{proc.stdout}\n{proc.stderr}"
    assert proc.returncode == 0, output
    counts = dict(re.findall(r"^# (tests|pass|fail) (\d+)$", proc.stdout, re.MULTILINE))
    assert int(counts.get("fail", -1)) == 0, output
    assert int(counts["pass"]) == int(counts["tests"]) >= MIN_TESTS, output


#: Where stripe-node declares each schema's fields (``node_modules/stripe/cjs/``).
TYPE_FILES = {
    "api_errors": "Error.d.ts", "billing_details": "resources/Charges.d.ts",
    "card": "resources/Cards.d.ts", "charge": "resources/Charges.d.ts",
    "charge_outcome": "resources/Charges.d.ts",
    "payment_method_details_card": "resources/Charges.d.ts",
    "balance_transaction": "resources/BalanceTransactions.d.ts",
    "dispute": "resources/Disputes.d.ts", "dispute_evidence": "resources/Disputes.d.ts",
    "dispute_evidence_details": "resources/Disputes.d.ts",
    "dispute_payment_method_details_card": "resources/Disputes.d.ts",
    "refund": "resources/Refunds.d.ts",
}


def test_fields_newer_than_the_pinned_spec_are_in_stripe_nodes_types():
    """Each field test_openapi.py allows beyond the 2024-04-10 spec is declared by
    stripe-node 23.1.0 (its 2026 types) in the file for that object."""
    from .test_openapi import NEWER_FIELDS

    _tool("node")
    _ensure_stripe_node()
    types = NODE_DIR / "node_modules" / "stripe" / "cjs"
    assert set(NEWER_FIELDS) <= set(TYPE_FILES)
    for schema, fields in NEWER_FIELDS.items():
        text = (types / TYPE_FILES[schema]).read_text()
        for field in fields:
            assert re.search(rf"^\s+(readonly )?{field}\??: ", text, re.MULTILINE), \
                f"{schema}.{field} is not in stripe-node's {TYPE_FILES[schema]}"
