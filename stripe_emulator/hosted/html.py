"""The pieces every page the emulator serves to a browser shares: escaping, one style,
the test-mode banner and the security headers (each page names what it allows)."""
import html
import secrets

STYLE = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f8fa; color: #1a1f36;
       font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.banner { background: #ffde92; color: #5d3b00; text-align: center; font-size: .8rem;
          font-weight: 600; letter-spacing: .04em; padding: .3rem; }
main { width: min(32rem, calc(100% - 2rem)); margin: 1.5rem auto; padding: 1.5rem;
       background: #fff; border: 1px solid #e3e8ee; border-radius: 10px; }
h1 { font-size: 1.3rem; margin: 0 0 .5rem; }
p { margin: .5rem 0; }
.muted { color: #4f566b; font-size: .9rem; }
.amount { font-size: 1.8rem; font-weight: 600; margin: .25rem 0 1rem; }
.error { background: #ffe7f2; color: #a3123a; border-radius: 6px; padding: .6rem .8rem; }
label { display: block; font-size: .9rem; color: #3c4257; margin: .8rem 0 .25rem; }
input { width: 100%; font: inherit; padding: .55rem .7rem; border: 1px solid #c4c9d4;
        border-radius: 6px; background: #fff; color: inherit; }
input[readonly] { background: #f0f2f5; color: #4f566b; }
select { width: 100%; font: inherit; padding: .55rem .7rem; border: 1px solid #c4c9d4;
         border-radius: 6px; background: #fff; color: inherit; }
fieldset { border: 1px solid #e3e8ee; border-radius: 6px; margin: .8rem 0 0;
           padding: 0 .8rem .8rem; min-width: 0; }
legend { font-size: .9rem; font-weight: 600; padding: 0 .3rem; }
label.check { display: flex; gap: .5rem; align-items: flex-start; }
label.check input { width: auto; margin: .25rem 0 0; flex: none; }
label.inline { display: inline; margin: 0 .25rem 0 .5rem; }
input.qty { width: 4.5rem; padding: .2rem .4rem; }
input:focus-visible, select:focus-visible, button:focus-visible, a:focus-visible {
  outline: 3px solid #0b57d0; outline-offset: 2px; }
.row { display: flex; gap: .75rem; } .row > div { flex: 1; }
button { font: inherit; font-weight: 600; border: 0; border-radius: 6px;
         padding: .7rem 1.2rem; cursor: pointer; }
.primary { background: #0b57d0; color: #fff; width: 100%; margin-top: 1.2rem; }
.complete { background: #05690d; color: #fff; }
.fail { background: #a3123a; color: #fff; }
.actions { display: flex; gap: .75rem; margin-top: 1.2rem; }
table { width: 100%; border-collapse: collapse; margin: .5rem 0 1rem; }
td { padding: .35rem 0; border-bottom: 1px solid #e3e8ee; }
td.num { text-align: right; white-space: nowrap; }
tr.total td { font-weight: 600; border-bottom: 0; }
a { color: #0b57d0; }
"""


def esc(value) -> str:
    """HTML-escape any value (quotes too, for attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


def page(title: str, body: str, *, script: str = "", frameable=False):
    """``(headers, body bytes)`` of a page; ``script`` runs inline under a fresh nonce."""
    nonce = secrets.token_urlsafe(16)
    tag = f'<script nonce="{nonce}">{script}</script>' if script else ""
    text = (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>"
            '<div class="banner" role="note">TEST MODE · offline Stripe emulator · '
            f"no money moves</div>{body}{tag}</body></html>")
    policy = (f"default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; "
              f"img-src 'self' data:; base-uri 'none'; "
              f"frame-ancestors {'*' if frameable else 'none'}")
    headers = [("Content-Type", "text/html; charset=utf-8"),
               ("Content-Security-Policy", policy), ("X-Content-Type-Options", "nosniff"),
               ("Referrer-Policy", "no-referrer"), ("Cache-Control", "no-store")]
    if not frameable:
        headers.append(("X-Frame-Options", "DENY"))
    return headers, text.encode()
