// The query page: YASGUI over this server's /sparql, the example catalogue, result downloads.
(function () {
  "use strict";
  var PICTURES = ["chart", "map", "network"];

  // A new result opens in its picture (results.js) when one fits it; the Table tab stays a click away.
  function showPictures(yasr) {
    var seen = null;
    yasr.on("drawn", function () {
      var name = yasr.drawnPlugin;
      if (!yasr.results || yasr.results === seen) { return; }
      seen = yasr.results;
      var fits = PICTURES.filter(function (p) { return yasr.plugins[p] && yasr.plugins[p].canHandleResults(); });
      if (fits.length && fits[0] !== name) { yasr.selectPlugin(fits[0]); }
    });
  }

  var holder = document.getElementById("yasgui");
  if (!holder || !window.Yasgui) { return; }
  var prefixes = JSON.parse(holder.getAttribute("data-prefixes") || "{}");
  var starter = ["rdfs", "schema", "org", "foaf"].map(function (p) {
    return "PREFIX " + p + ": <" + prefixes[p] + ">";
  }).join("\n") + "\n\nSELECT ?organisation ?name WHERE {\n  ?organisation a org:Organization ;\n" +
    "                schema:name ?name .\n}\nORDER BY ?name\nLIMIT 100\n";
  var yasgui = new window.Yasgui(holder, {
    requestConfig: { endpoint: holder.getAttribute("data-endpoint"), method: "POST" },
    persistenceId: null,
    copyEndpointOnNewTab: true,
    showEndpointButton: false,
    yasqe: { autocompleters: ["prefixes", "variables"] },
  });
  var tab = yasgui.getTab();
  var yasqe = tab.getYasqe();
  showPictures(tab.getYasr());
  labelEditor(holder);
  var initial = holder.getAttribute("data-initial");
  tab.setQuery(initial || starter);

  var csv = document.getElementById("download-csv");
  var json = document.getElementById("download-json");
  function updateDownloads() {
    var query = encodeURIComponent(yasqe.getValue());
    csv.href = "/sparql?format=csv&query=" + query;
    json.href = "/sparql?format=json&query=" + query;
  }
  yasqe.on("change", updateDownloads);
  updateDownloads();

  var examples = {};
  var picker = document.getElementById("examples");
  var described = document.getElementById("example-description");
  fetch(holder.getAttribute("data-queries")).then(function (response) {
    return response.json();
  }).then(function (data) {
    data.queries.forEach(function (q) { examples[q.name] = q; });
  });
  function choose() {
    var chosen = examples[picker.value];
    if (!chosen) { return null; }
    described.textContent = chosen.description;
    tab.setQuery(chosen.query);
    updateDownloads();
    return chosen;
  }
  picker.addEventListener("change", choose);
  document.getElementById("run-example").addEventListener("click", function () {
    if (choose()) { yasqe.query(); }
  });

  // YASGUI (vendored, left untouched) draws an unlabelled editor, endpoint field and selects,
  // and puts its "add tab" button inside the tab list, where only tabs may be: name them, and
  // move the button after the list.
  function labelEditor(root) {
    var names = [
      [".CodeMirror textarea", "SPARQL query"],
      ["input.autocomplete", "SPARQL endpoint"],
      [".tabsList .tab input", "Tab name"],
    ];
    names.forEach(function (pair) {
      root.querySelectorAll(pair[0]).forEach(function (el) { el.setAttribute("aria-label", pair[1]); });
    });
    root.querySelectorAll("select:not([aria-label])").forEach(function (el, index) {
      el.setAttribute("aria-label", index === 0 ? "Accept header for SELECT and ASK results"
        : "Accept header for CONSTRUCT and DESCRIBE results");
    });
    var list = root.querySelector(".tabsList");
    var add = list && list.querySelector(".addTab");
    if (add) {
      var holderOfAdd = add.parentElement;
      holderOfAdd.removeAttribute("role");
      holderOfAdd.className = "addTabHolder";
      list.parentElement.insertBefore(holderOfAdd, list.nextSibling);
    }
  }
}());
