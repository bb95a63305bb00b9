// Receipt page: show times in the buyer's own time zone, and while the payment is being
// confirmed, ask the server politely (backing off) and update the page when it settles.
(function () {
  "use strict";

  function localTimes(root) {
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when.getTime())) return;
      el.title = el.textContent.trim();  // the UTC text stays available on hover
      el.textContent = when.toLocaleString(undefined, {
        year: "numeric", month: "short", day: "numeric", hour: "2-digit",
        minute: "2-digit", timeZoneName: "short"
      });
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
