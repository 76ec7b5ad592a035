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

// Live checks: a moment after a value changes, the form is sent with _check=1 (nothing is
// stored) and the answer's messages are shown beside their fields, as a save would show them.
(function () {
  "use strict";
  var form = document.querySelector("form.curate[data-live-check]");
  if (!form) { return; }
  var timer = null;
  function show(answer) {
    form.querySelectorAll(".live-error").forEach(function (e) { e.remove(); });
    form.querySelectorAll(".field.live-invalid").forEach(function (f) {
      f.classList.remove("live-invalid", "invalid");
    });
    Object.keys(answer.fields || {}).forEach(function (key) {
      var field = document.getElementById("field-" + key);
      if (!field) { return; }
      field.classList.add("live-invalid", "invalid");
      var label = field.querySelector("label");
      answer.fields[key].forEach(function (text) {
        var p = document.createElement("p");
        p.className = "field-error live-error";
        p.setAttribute("role", "status");
        p.textContent = text;
        label.insertAdjacentElement("afterend", p);
      });
    });
  }
  function check() {
    var data = new FormData(form);
    data.set("_check", "1");
    fetch(window.location.pathname, {
      method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (answer) { if (answer) { show(answer); } })
      .catch(function () { /* the server's own check on saving still applies */ });
  }
  form.addEventListener("change", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  });
})();
