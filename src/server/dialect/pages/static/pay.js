// pay.js: the payer page's behaviour (dialect/pages), served by kassad at
// /pay/static/pay.js (the page's CSP allows no inline script). Everything
// here is an extra: the page works without it (forms post, the status is
// current on each load).
//   - the shop's colour from <body data-brand> (no inline style under CSP)
//   - copy buttons: [data-copy] copies its text to the clipboard
//   - the time left counts down (#ttl[data-left], seconds)
//   - the live status: polls <body data-status-url> every 3 s, reloads the
//     page when the order's status (or the payer's confirmation) changes
(function () {
  "use strict";
  var body = document.body;
  var brand = body.getAttribute("data-brand");
  if (brand && /^#[0-9a-fA-F]{6}$/.test(brand))
    document.documentElement.style.setProperty("--brand", brand);

  function copied(btn) {
    var text = btn.getAttribute("data-done");
    var old = btn.textContent;
    btn.classList.add("done");
    if (text) btn.textContent = text;
    setTimeout(function () { btn.classList.remove("done"); btn.textContent = old; }, 2000);
  }
  function fallbackCopy(text) {
    var ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.className = "offscreen";
    document.body.appendChild(ta);
    ta.select();
    try { document.execCommand("copy"); } catch (e) { /* nothing more to try */ }
    document.body.removeChild(ta);
  }
  Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (btn) {
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var text = btn.getAttribute("data-copy");
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { copied(btn); },
          function () { fallbackCopy(text); copied(btn); });
      } else {
        fallbackCopy(text);
        copied(btn);
      }
    });
  });

  var ttl = document.getElementById("ttl");
  if (ttl) {
    var left = parseInt(ttl.getAttribute("data-left"), 10) || 0;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    setInterval(function () {
      if (left > 0) left--;
      ttl.textContent = pad(Math.floor(left / 3600)) + ":" + pad(Math.floor(left % 3600 / 60)) +
        ":" + pad(left % 60);
    }, 1000);
  }

  var url = body.getAttribute("data-status-url");
  if (url) {
    var st = body.getAttribute("data-st");
    var confirmed = body.getAttribute("data-confirmed");
    setInterval(function () {
      fetch(url, { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (j) {
        if (String(j.status) !== st || String(j.confirmed_by_customer) !== confirmed)
          location.reload();
      }).catch(function () { /* the next poll tries again */ });
    }, 3000);
  }
})();
