// The curation editor's pickers: as a curator types a name, the search API (/api/search, the
// same index as the search page) offers entities of the field's classes. Without script the
// list the page already holds works alone.
(function () {
  "use strict";
  function refresh(input) {
    var q = input.value.trim();
    if (q.length < 2 || /^https?:/.test(q)) { return; }
    var params = new URLSearchParams({ q: q, limit: "15" });
    (input.dataset.classes || "").split(" ").filter(Boolean).forEach(function (c) { params.append("type", c); });
    fetch("/api/search?" + params.toString(), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (found) {
        var list = document.getElementById(input.getAttribute("list"));
        if (!list) { return; }
        found.results.forEach(function (hit) {
          if (list.querySelector('option[value="' + CSS.escape(hit.iri) + '"]')) { return; }
          var option = document.createElement("option");
          option.value = hit.iri;
          option.textContent = hit.name + " (" + hit.kind + ")";
          list.appendChild(option);
        });
      })
      .catch(function () { /* the list already on the page still works */ });
  }
  document.querySelectorAll("input.picker").forEach(function (input) {
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { refresh(input); }, 200);
    });
  });
})();
