// Receipt page: show times in the buyer's own time zone, and while the payment is being
// confirmed, ask the server politely (backing off) and update the page when it settles.
(function () {
  "use strict";

  // The store's one way to write a moment (app/templating.py): "2026-12-03 14:05 UTC",
  // here in the buyer's own zone ("2026-12-03 15:05 GMT+1").
  function sameFormat(when) {
    var parts = {};
    new Intl.DateTimeFormat("en-GB", {
      year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
      minute: "2-digit", hourCycle: "h23", timeZoneName: "short"
    }).formatToParts(when).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":" +
      parts.minute + " " + (parts.timeZoneName || "");
  }

  function localTimes(root) {
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when.getTime())) return;
      el.title = el.textContent.trim();  // the UTC text stays available on hover
      el.textContent = sameFormat(when);
    });
  }

  var body = document.getElementById("receipt-body");
  var live = document.getElementById("receipt-status");
  if (!body) return;
  localTimes(body);
  var pollUrl = body.getAttribute("data-poll-url");
  if (!pollUrl || !window.fetch) return;

  var delay = 2000, maxDelay = 60000, deadline = Date.now() + 30 * 60 * 1000;

  function refreshBody() {
    return fetch(window.location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("receipt-body");
        if (!fresh) return;
        body.innerHTML = fresh.innerHTML;
        body.removeAttribute("data-poll-url");
        localTimes(body);
        var heading = body.querySelector("h1");
        live.textContent = heading ? heading.textContent.trim() : "Your order was updated.";
      });
  }

  function poll() {
    if (document.hidden) { setTimeout(poll, delay); return; }  // no requests from a hidden tab
    fetch(pollUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        if (data.status !== "pending") return refreshBody();
        schedule();
      })
      .catch(schedule);
  }

  function schedule() {
    if (Date.now() > deadline) return;
    delay = Math.min(maxDelay, Math.round(delay * 1.6));
    setTimeout(poll, delay);
  }

  setTimeout(poll, delay);
})();
