// Autocomplete for the search box in the page header (templates/_search.html).
// Names come from the reconciliation service's entity suggest, which shares the
// search index; choosing one opens the entity's page. No inline script: the
// pages' CSP is script-src 'self'.
(function () {
  "use strict";
  var form = document.querySelector("form.site-search");
  if (!form) { return; }
  var input = form.querySelector("input[name=q]");
  var list = form.querySelector("[role=listbox]");
  var timer = null;
  var active = -1;
  var latest = 0;

  function options() { return list.querySelectorAll("[role=option]"); }

  function close() {
    list.hidden = true;
    list.textContent = "";
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function select(index) {
    var items = options();
    if (!items.length) { return; }
    active = (index + items.length) % items.length;
    items.forEach(function (item, i) { item.setAttribute("aria-selected", i === active ? "true" : "false"); });
    input.setAttribute("aria-activedescendant", items[active].id);
  }

  function open(item) {
    window.location.href = form.dataset.view.replace("{id}", item.dataset.id);
  }

  function show(results) {
    list.textContent = "";
    results.forEach(function (result, i) {
      var item = document.createElement("li");
      item.id = "site-search-option-" + i;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.dataset.id = result.id;
      item.appendChild(document.createTextNode(result.name));
      if (result.notable && result.notable.length) {
        var kind = document.createElement("span");
        kind.className = "kind";
        kind.textContent = result.notable[0].name;
        item.appendChild(kind);
      }
      item.addEventListener("mousedown", function (event) { event.preventDefault(); open(item); });
      list.appendChild(item);
    });
    list.hidden = results.length === 0;
    input.setAttribute("aria-expanded", results.length ? "true" : "false");
    active = -1;
  }

  function fetchSuggestions() {
    var prefix = input.value.trim();
    if (!prefix) { close(); return; }
    var ticket = ++latest;
    fetch(form.dataset.suggest + "?limit=8&prefix=" + encodeURIComponent(prefix), {headers: {Accept: "application/json"}})
      .then(function (response) { return response.ok ? response.json() : {result: []}; })
      .then(function (data) { if (ticket === latest) { show(data.result || []); } })
      .catch(function () { close(); });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(fetchSuggestions, 120);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") { event.preventDefault(); select(active + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); select(active - 1); }
    else if (event.key === "Escape") { close(); }
    else if (event.key === "Enter" && active >= 0) { event.preventDefault(); open(options()[active]); }
  });
  input.addEventListener("blur", function () { setTimeout(close, 150); });
}());
