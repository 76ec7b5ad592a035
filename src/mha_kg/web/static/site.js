// Shared by every page. Records script errors so that tests (and people) can see them,
// and opens IRIs of this graph on this server rather than at their public address.
(function () {
  "use strict";
  window.__mhaErrors = [];
  window.addEventListener("error", function (event) {
    window.__mhaErrors.push(String(event.message || event.type));
  });
  window.addEventListener("unhandledrejection", function (event) {
    window.__mhaErrors.push("unhandled rejection: " + String(event.reason));
  });
  var base = document.body.getAttribute("data-base-iri");
  if (!base) { return; }
  var served = ["/id/", "/def", "/graph/"];
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    var href = link.getAttribute("href");
    if (href.indexOf(base + "/") !== 0) { return; }
    var path = href.substring(base.length);
    if (served.some(function (start) { return path.indexOf(start) === 0; })) {
      event.preventDefault();
      window.location.assign(path);
    }
  });
}());
