"""Lessons of the demo courses, so a local store shows what a buyer gets."""

# (title, Markdown body, video link or None, download link or None) per demo course slug.
DEMO_LESSONS = {
    "python-jumpstart": [
        ("Installing Python and running your first script", """
## What you need

- Python 3.12 or newer (`python3 --version` tells you which one you have)
- A text editor: VS Code, PyCharm or plain `nano` all work
- A terminal

## Your first script

Create a file called `hello.py`:

```python
name = input("What is your name? ")
print(f"Hello, {name}! Python is working.")
```

Run it:

```bash
python3 hello.py
```

> **Tip:** keep every exercise of this course in one folder, say `~/jumpstart`,
> so you can come back to it later.
""", "https://videos.example.com/python-jumpstart/01-setup", None),
        ("Variables, strings and numbers", """
## Names point at values

```python
price = 69
currency = "USD"
label = f"{price} {currency}"
```

Python has no declarations: a name exists once you assign to it.

## Numbers

| Expression | Result | Why |
|------------|--------|-----|
| `7 / 2`    | `3.5`  | true division |
| `7 // 2`   | `3`    | floor division |
| `7 % 2`    | `1`    | remainder |
| `2 ** 10`  | `1024` | power |

## Exercise

1. Ask for two numbers with `input()`.
2. Convert them with `int()`.
3. Print their sum, difference and product.
""", None, None),
        ("Lists, loops and dictionaries", """
## Lists keep order

```python
scores = [72, 95, 88]
scores.append(100)
for score in scores:
    print(score)
```

## Dictionaries map keys to values

```python
prices = {"apple": 0.5, "pear": 0.75}
for fruit, price in prices.items():
    print(f"{fruit}: ${price:.2f}")
```

## Common mistakes

- Changing a list while looping over it: loop over a copy (`scores[:]`).
- Using a list where a set would do: `in` on a list checks every item.
""", None, "https://files.example.com/python-jumpstart/lists-cheatsheet.pdf"),
        ("Writing a useful script: renaming photos by date", """
We put the previous lessons together in a script that renames every `.jpg` in a folder
to the date it was last modified.

```python
from datetime import datetime
from pathlib import Path

for photo in sorted(Path(".").glob("*.jpg")):
    stamp = datetime.fromtimestamp(photo.stat().st_mtime)
    target = photo.with_name(f"{stamp:%Y-%m-%d_%H%M%S}.jpg")
    if not target.exists():
        photo.rename(target)
        print(f"{photo.name} -> {target.name}")
```

### Make it safe

1. Run it on a **copy** of your photos first.
2. Add a `--dry-run` option that only prints what it would do.
3. Handle two photos taken in the same second.
""", "https://videos.example.com/python-jumpstart/04-photos", None),
    ],
    "flask-in-production": [
        ("The application factory", """
## Why a factory

A module-level `app = Flask(__name__)` makes tests share one app and one config.
A factory builds a fresh app for each test and each process:

```python
def create_app(config=None):
    app = Flask(__name__)
    app.config.from_object(config or Config())
    db.init_app(app)
    app.register_blueprint(catalog_bp)
    return app
```

## Checklist

- Extensions are created unbound in `extensions.py` and bound with `init_app`.
- No code at import time reads the environment.
- `flask --app "app:create_app()" run` starts it.
""", "https://videos.example.com/flask-in-production/01-factory", None),
        ("Blueprints and thin views", """
Keep each view to three steps: **parse** the request, **call** a service, **render**.

```python
@bp.post("/courses/<slug>/pay")
def pay(slug):
    form = CheckoutForm()
    if not form.validate_on_submit():
        return render_template("checkout/form.html", form=form), 400
    outcome = place_order(course=get_course(slug), email=form.email.data)
    return redirect(url_for(".receipt", public_id=outcome.order.public_id))
```

Rules live in services you can call from a view, a CLI command or a test alike.
""", None, None),
        ("Migrations with Alembic", """
## The workflow

1. Change the model.
2. `flask db migrate -m "what and why"` writes a revision.
3. **Read the revision**: autogenerate misses renames and data changes.
4. `flask db upgrade` locally, then in CI on a fresh database.

## Keep them honest

A test that upgrades an empty database and compares the result with the models
catches a forgotten migration before it reaches production.

```python
diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
assert diff == []
```
""", None, "https://files.example.com/flask-in-production/migration-checklist.pdf"),
        ("Deploying behind a reverse proxy", """
## Gunicorn

```bash
gunicorn --workers 3 --bind 127.0.0.1:8000 "app:create_app()"
```

## nginx in front

- Terminate TLS at nginx and forward `X-Forwarded-For` and `X-Forwarded-Proto`.
- Tell Flask to trust exactly one hop with `ProxyFix(app.wsgi_app, x_for=1, x_proto=1)`.
- Set `SESSION_COOKIE_SECURE=true` so cookies never travel over plain HTTP.

> Trusting more hops than you have lets any client fake its address.
""", "https://videos.example.com/flask-in-production/04-deploy", None),
    ],
    "sql-for-analysts": [
        ("SELECT, WHERE and ORDER BY", """
## Reading a table

```sql
SELECT customer_id, total, created_at
FROM orders
WHERE status = 'paid'
ORDER BY created_at DESC
LIMIT 20;
```

## Filtering well

- Compare dates with ranges: `created_at >= '2026-01-01' AND created_at < '2026-02-01'`.
- `NULL` is never equal to anything: write `refunded_at IS NULL`.
""", None, None),
        ("Joins without surprises", """
## INNER and LEFT

```sql
SELECT c.name, count(o.id) AS orders
FROM customers c
LEFT JOIN orders o ON o.customer_id = c.id
GROUP BY c.name;
```

A `LEFT JOIN` keeps customers with no orders; an `INNER JOIN` drops them.

## The fan-out trap

Joining two one-to-many tables at once multiplies rows. Sum each side in its own
subquery first, then join the sums.
""", "https://videos.example.com/sql-for-analysts/02-joins", None),
        ("Window functions for running totals", """
```sql
SELECT day,
       revenue,
       sum(revenue) OVER (ORDER BY day) AS running_total,
       avg(revenue) OVER (ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)
         AS seven_day_average
FROM daily_revenue;
```

### Exercise

1. Rank products by revenue within each category with `rank() OVER (PARTITION BY ...)`.
2. Keep the top three per category.
""", None, "https://files.example.com/sql-for-analysts/window-functions.sql"),
    ],
    "nihongo-for-developers": [
        ("Reading katakana in error messages", """
Most technical words in Japanese are loan words written in **katakana**:

| Katakana | Reading | Meaning |
|----------|---------|---------|
| ファイル | fairu | file |
| エラー | erā | error |
| サーバー | sābā | server |
| データベース | dētabēsu | database |

### Practice

Read these aloud, then guess the English word:

1. メモリ
2. ネットワーク
3. パスワード
""", None, None),
        ("Kanji you meet in every manual", """
## Ten kanji that unlock most docs

- 設定 (*settei*) — settings
- 入力 (*nyūryoku*) — input
- 出力 (*shutsuryoku*) — output
- 失敗 (*shippai*) — failure
- 成功 (*seikō*) — success

## Reading a real message

```text
ファイルを開けませんでした。設定を確認してください。
```

*The file could not be opened. Please check the settings.*
""", "https://videos.example.com/nihongo/02-kanji", None),
        ("Asking a question on a Japanese forum", """
## A polite template

```text
はじめまして。[your problem] について質問があります。
環境: Python 3.12 / Ubuntu 24.04
試したこと: [what you tried]
よろしくお願いします。
```

1. Say what you expected and what happened.
2. Paste the exact error message.
3. Thank people who answer: ありがとうございます。
""", None, None),
    ],
    "payments-engineering": [
        ("Idempotency keys", """
## The problem

A network timeout after you sent a charge does not tell you whether the charge
happened. Retrying without protection can **charge twice**.

## The fix

Send the same `Idempotency-Key` on every retry of one operation:

```python
charge = client.v1.charges.create(
    params={"amount": 6900, "currency": "usd", "source": token},
    options={"idempotency_key": order.idempotency_key},
)
```

Store the key with the order *before* calling the API, so a crash between the call
and your commit is recoverable.
""", "https://videos.example.com/payments/01-idempotency", None),
        ("Webhooks you can trust", """
## Rules

1. Verify the signature on the **raw** body before parsing it.
2. Record each event id; ignore one you have processed already.
3. Answer `2xx` quickly; do slow work after the response.
4. Never trust the event's amount blindly: fetch the object or compare with your order.

```python
event = client.construct_event(payload, signature_header, webhook_secret)
```
""", None, None),
        ("Refunds and partial refunds", """
## What changes on a refund

- The charge keeps its amount; `amount_refunded` grows.
- A partial refund leaves the order **partially refunded**, not unpaid.
- A second refund must not exceed what is left.

| Paid | Refunded | Status |
|------|----------|--------|
| 69.00 | 0.00 | paid |
| 69.00 | 20.00 | partially refunded |
| 69.00 | 69.00 | refunded |
""", None, "https://files.example.com/payments/refund-states.pdf"),
        ("Reconciliation", """
Your database and the processor will disagree sometimes: a webhook lost, a process
killed mid-request. A nightly job closes the gap:

```text
for each order pending for more than 15 minutes:
    look up the charge by the order's idempotency key or metadata
    settle the order from what the processor says
```

> Reconciliation is not a bug fix; it is part of the design.
""", "https://videos.example.com/payments/04-reconcile", None),
    ],
}
