// Result views for the query editor, as YASR plugins beside its table (which stays one tab away
// as the text equivalent): a bar chart for a grouped count, the map for rows with coordinates,
// the network for CONSTRUCT/DESCRIBE results. Each view says it can draw a result only when the
// result has that shape, and then ranks above the table. Needs explorer.js and map.js loaded first.
(function () {
  "use strict";
  var Yasr = window.Yasr;
  if (!Yasr) { return; }
  var NUMERIC = /#(integer|decimal|double|float|long|int|short|nonNegativeInteger|positiveInteger)$/;
  var LAT = /^lat(itude)?$/i, LON = /^(lon|long|lng|longitude)$/i;
  var WKT_POINT = /^\s*(<[^>]*>\s*)?point\s*\(\s*(-?[\d.]+(?:e-?\d+)?)\s+(-?[\d.]+(?:e-?\d+)?)\s*\)\s*$/i;
  var NAMES = ["http://www.w3.org/2000/01/rdf-schema#label", "https://schema.org/name",
               "http://schema.org/name", "http://xmlns.com/foaf/0.1/name",
               "http://www.w3.org/2004/02/skos/core#prefLabel"];
  var TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
  var MAX_BARS = 60, MAX_TRIPLES = 2000;

  function localName(iri) { return String(iri).replace(/\/$/, "").split(/[\/#]/).pop(); }
  function shown(term) { return term.type === "uri" ? localName(term.value) : term.value; }
  function isNumber(term) {
    return term && term.type !== "uri" && (NUMERIC.test(term.datatype || "") || /^-?\d+(\.\d+)?$/.test(term.value));
  }
  function bindings(yasr) { return (yasr.results && yasr.results.getType() === "json" && yasr.results.getBindings()) || []; }
  function hint(box, text) {
    var p = document.createElement("p");
    p.className = "hint";
    p.textContent = text;
    box.appendChild(p);
  }
  function icon(text) {
    var span = document.createElement("span");
    span.textContent = text;
    span.setAttribute("aria-hidden", "true");
    return span;
  }

  // ---- bar chart: one label column and one numeric column, as in GROUP BY ... COUNT(...) ----
  function chartShape(yasr) {
    var rows = bindings(yasr), vars = yasr.results ? yasr.results.getVariables() : [];
    if (!rows.length || rows.length > MAX_BARS || vars.length !== 2) { return null; }
    var value = vars.filter(function (v) { return rows.every(function (r) { return isNumber(r[v]); }); });
    if (value.length !== 1) { return null; }
    var label = vars[0] === value[0] ? vars[1] : vars[0];
    if (!rows.every(function (r) { return r[label]; })) { return null; }
    return { label: label, value: value[0], rows: rows };
  }

  function barChart(shape) {
    var ns = "http://www.w3.org/2000/svg", bar = 26, labelWidth = 300, width = 760;
    var max = Math.max.apply(null, shape.rows.map(function (r) { return Number(r[shape.value].value); }).concat([1]));
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 " + width + " " + (shape.rows.length * bar + 30));
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", "Bar chart of " + shape.value + " by " + shape.label + ": " +
      shape.rows.map(function (r) { return shown(r[shape.label]) + " " + r[shape.value].value; }).join(", "));
    shape.rows.forEach(function (r, i) {
      var n = Number(r[shape.value].value), y = i * bar + 4;
      var length = Math.max(1, (width - labelWidth - 60) * n / max);
      var g = document.createElementNS(ns, "g");
      g.innerHTML = '<text x="' + (labelWidth - 8) + '" y="' + (y + 16) + '" text-anchor="end" font-size="13"></text>' +
        '<rect class="bar" x="' + labelWidth + '" y="' + y + '" height="' + (bar - 6) + '" width="' + length + '"></rect>' +
        '<text x="' + (labelWidth + length + 6) + '" y="' + (y + 16) + '" font-size="13"></text>';
      g.childNodes[0].textContent = shown(r[shape.label]);
      g.childNodes[2].textContent = r[shape.value].value;
      svg.appendChild(g);
    });
    return svg;
  }

  function Chart(yasr) { this.yasr = yasr; this.priority = 20; this.label = "Chart"; }
  Chart.prototype.canHandleResults = function () { return !!chartShape(this.yasr); };
  Chart.prototype.getIcon = function () { return icon("▇"); };
  Chart.prototype.draw = function () {
    var shape = chartShape(this.yasr), box = document.createElement("div");
    box.className = "result-chart";
    box.appendChild(barChart(shape));
    hint(box, shape.rows.length + " bars: " + shape.value + " by " + shape.label + ". The Table tab has the same rows.");
    this.yasr.resultsEl.appendChild(box);
  };

  // ---- map: rows with latitude and longitude columns, or a WKT point (as Wikidata gives), by place ----
  function mapShape(yasr) {
    var vars = yasr.results ? yasr.results.getVariables() : [];
    var lat = vars.filter(function (v) { return LAT.test(v); })[0], lon = vars.filter(function (v) { return LON.test(v); })[0];
    var rows = bindings(yasr);
    if (!rows.length) { return null; }
    if (lat && lon && rows.every(function (r) { return isNumber(r[lat]) && isNumber(r[lon]); })) {
      return { rows: rows, vars: vars, coords: function (r) { return [Number(r[lat].value), Number(r[lon].value)]; },
               skip: [lat, lon] };
    }
    var point = vars.filter(function (v) { return rows.every(function (r) { return r[v] && WKT_POINT.test(r[v].value); }); })[0];
    if (!point) { return null; }
    return { rows: rows, vars: vars, skip: [point], coords: function (r) {
      var m = WKT_POINT.exec(r[point].value);  // WKT is "Point(longitude latitude)"
      return [Number(m[3]), Number(m[2])];
    } };
  }

  function markers(shape) {
    var iriVar = shape.vars.filter(function (v) { return shape.rows.some(function (r) { return r[v] && r[v].type === "uri"; }); })[0];
    var nameVar = shape.vars.filter(function (v) {
      return shape.skip.indexOf(v) < 0 && /name|label|title/i.test(v);
    })[0];
    var placeVar = shape.vars.filter(function (v) { return /place|city|town|location/i.test(v); })[0];
    var found = {}, list = [];
    shape.rows.forEach(function (r) {
      var at = shape.coords(r), lat = at[0], lon = at[1], key = lat + "," + lon;
      if (!found[key]) {
        found[key] = { place: placeVar && r[placeVar] ? r[placeVar].value : lat + ", " + lon, lat: lat, lon: lon, organisations: [] };
        list.push(found[key]);
      }
      var name = nameVar && r[nameVar] ? r[nameVar].value : (iriVar && r[iriVar] ? shown(r[iriVar]) : found[key].place);
      found[key].organisations.push({ name: name, href: iriVar && r[iriVar] ? r[iriVar].value : null });
    });
    return list;
  }

  function ResultMap(yasr) { this.yasr = yasr; this.priority = 20; this.label = "Map"; }
  ResultMap.prototype.canHandleResults = function () { return !!mapShape(this.yasr); };
  ResultMap.prototype.getIcon = function () { return icon("◉"); };
  ResultMap.prototype.draw = function () {
    var list = markers(mapShape(this.yasr)), box = document.createElement("div");
    box.className = "result-map";
    box.tabIndex = 0;
    box.setAttribute("role", "application");
    box.setAttribute("aria-roledescription", "map");
    box.setAttribute("aria-label", "The results on a map: " + list.length + " places");
    this.yasr.resultsEl.appendChild(box);
    hint(this.yasr.resultsEl, list.length + " places; markers open their rows. The Table tab has the same rows.");
    window.mhaMap.draw(box, list, document.getElementById("yasgui").getAttribute("data-outline"))
      .then(function (map) { window.mhaResultMap = map; });
  };

  // ---- network: the triples of a CONSTRUCT or DESCRIBE, resources as nodes ----
  function networkShape(yasr) {
    if (!yasr.results || yasr.results.getType() !== "ttl") { return null; }
    var rows = yasr.results.getBindings() || [];
    return rows.length && rows.length <= MAX_TRIPLES ? rows : null;
  }

  function elements(rows) {
    var names = {}, kinds = {}, nodes = {}, edges = [];
    rows.forEach(function (t) {
      if (NAMES.indexOf(t.predicate.value) >= 0 && t.object.type === "literal" && !names[t.subject.value]) {
        names[t.subject.value] = t.object.value;
      }
      if (t.predicate.value === TYPE && !kinds[t.subject.value]) { kinds[t.subject.value] = localName(t.object.value); }
    });
    function node(term) {
      if (!nodes[term.value]) {
        var name = names[term.value] || shown(term);
        nodes[term.value] = { data: { id: term.value, name: name, label: name, kind: kinds[term.value] || "resource",
                                      kindLabel: kinds[term.value] || "resource", href: term.type === "uri" ? term.value : "#" } };
      }
    }
    rows.forEach(function (t, i) {
      if (t.object.type === "literal" || t.predicate.value === TYPE) { node(t.subject); return; }
      node(t.subject);
      node(t.object);
      edges.push({ data: { id: "t" + i, source: t.subject.value, target: t.object.value, label: localName(t.predicate.value) } });
    });
    return { nodes: Object.keys(nodes).map(function (k) { return nodes[k]; }), edges: edges };
  }

  function ResultNetwork(yasr) { this.yasr = yasr; this.priority = 20; this.label = "Network"; }
  ResultNetwork.prototype.canHandleResults = function () { return !!networkShape(this.yasr); };
  ResultNetwork.prototype.getIcon = function () { return icon("⬡"); };
  ResultNetwork.prototype.draw = function () {
    var data = elements(networkShape(this.yasr)), wrap = document.createElement("div");
    var box = document.createElement("div"), panel = document.createElement("div");
    wrap.className = "result-network-wrap explorer-view";
    box.className = "result-network explorer-canvas";
    box.tabIndex = 0;
    box.setAttribute("role", "application");
    box.setAttribute("aria-roledescription", "network");
    box.setAttribute("aria-label", "The results as a network: " + data.nodes.length + " nodes, " + data.edges.length + " links");
    panel.className = "explorer-neighbours";
    panel.setAttribute("aria-live", "polite");
    wrap.appendChild(box);
    wrap.appendChild(panel);
    this.yasr.resultsEl.appendChild(wrap);
    hint(this.yasr.resultsEl, data.nodes.length + " nodes and " + data.edges.length +
         " links; click a node for its neighbours; arrow keys pan, + and − zoom. The Table tab has the triples.");
    var drawn = window.mhaNetwork.draw(box, data, {
      onChoose: function (node) { window.mhaNetwork.choose(drawn.cy, node, panel, drawn.colours); } });
    window.mhaResultNetwork = drawn.cy;
  };

  Yasr.registerPlugin("chart", Chart);
  Yasr.registerPlugin("map", ResultMap);
  Yasr.registerPlugin("network", ResultNetwork);
}());
