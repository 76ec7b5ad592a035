// The network explorer: Cytoscape.js (vendored) over /network.json, laid out by the server
// (publish/network.py), so the first view is the same as the no-script SVG and no two labels
// overlap. Pan, zoom, find a node, click (or pick) a node to open its neighbours, filter by type.
// Everything the mouse does has a keyboard way: the find box, the type checkboxes, the zoom
// buttons, arrow keys and +/- on the focused canvas, and the neighbour list's buttons and links.
// window.mhaNetwork.draw is shared with the query editor's network view of CONSTRUCT results.
(function () {
  "use strict";
  var PALETTE = ["#1565c0", "#2e7d32", "#ef6c00", "#c62828", "#6a1b9a", "#00838f", "#5d4037"];

  function style(colours) {
    var rules = [
      { selector: "node", style: {
        "label": "data(label)", "text-wrap": "wrap", "text-max-width": 230, "text-valign": "bottom", "text-halign": "center",
        "text-margin-y": 4, "font-size": 16, "font-family": "system-ui, sans-serif", "color": "#1b1b1b",
        "width": 20, "height": 20, "background-color": "#555", "border-width": 1, "border-color": "#fff",
        "text-background-color": "#fff", "text-background-opacity": 0.85, "text-background-padding": 1 } },
      { selector: "edge", style: { "width": 1.2, "line-color": "#9e9e9e", "curve-style": "straight" } },
      { selector: "node:selected, node.chosen", style: { "border-width": 4, "border-color": "#1b1b1b" } },
      { selector: ".faded", style: { "opacity": 0.2 } },
      { selector: "edge.near", style: { "line-color": "#1b1b1b", "width": 2.5 } },
    ];
    Object.keys(colours).forEach(function (kind) {
      rules.push({ selector: 'node[kind = "' + kind + '"]', style: { "background-color": colours[kind] } });
    });
    return rules;
  }

  function kindColours(kinds, nodes) {
    var colours = {};
    (kinds || []).forEach(function (k) { colours[k.kind] = k.colour; });
    nodes.forEach(function (n) {
      var kind = n.data.kind;
      if (!colours[kind]) { colours[kind] = PALETTE[Object.keys(colours).length % PALETTE.length]; }
    });
    return colours;
  }

  // Draw a network into `box`; `data` is {kinds?, nodes, edges} in Cytoscape's element form.
  function draw(box, data, options) {
    options = options || {};
    var colours = kindColours(data.kinds, data.nodes);
    var preset = data.nodes.every(function (n) { return n.position; });
    var cy = window.cytoscape({
      container: box, elements: { nodes: data.nodes, edges: data.edges }, style: style(colours),
      layout: preset ? { name: "preset", fit: true, padding: 20 }
                     : { name: "cose", nodeDimensionsIncludeLabels: true, randomize: true, animate: false,
                         nodeRepulsion: function () { return 400000; }, idealEdgeLength: function () { return 90; },
                         padding: 20 },
      minZoom: 0.2, maxZoom: 4,
    });
    keyboard(box, cy);
    if (options.onChoose) {
      cy.on("tap", "node", function (event) { options.onChoose(event.target); });
    }
    return { cy: cy, colours: colours };
  }

  function keyboard(box, cy) {
    box.addEventListener("keydown", function (event) {
      var step = 60, key = event.key;
      var moves = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
      if (moves[key]) { cy.panBy({ x: moves[key][0], y: moves[key][1] }); }
      else if (key === "+" || key === "=") { zoomBy(cy, 1.25); }
      else if (key === "-") { zoomBy(cy, 0.8); }
      else if (key === "0") { cy.fit(cy.elements(":visible"), 20); }
      else { return; }
      event.preventDefault();
    });
  }

  function zoomBy(cy, factor) {
    cy.zoom({ level: cy.zoom() * factor, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
  }

  // Highlight a node with its neighbours and list them (buttons to move on, links to the pages).
  // Moving on from the list keeps the keyboard in the list: focus goes to the new node's name.
  function choose(cy, node, panel, colours, keepFocus) {
    cy.elements().removeClass("faded near chosen");
    var near = node.closedNeighborhood();
    cy.elements().not(near).addClass("faded");
    near.edges().addClass("near");
    node.addClass("chosen");
    cy.animate({ center: { eles: node }, duration: 0 });
    panel.textContent = "";
    var heading = document.createElement("h3");
    var link = document.createElement("a");
    link.href = node.data("href");
    link.textContent = node.data("name");
    heading.appendChild(link);
    heading.appendChild(document.createTextNode(" (" + (node.data("kindLabel") || node.data("kind")) + ")"));
    panel.appendChild(heading);
    var list = document.createElement("ul");
    node.connectedEdges().forEach(function (edge) {
      var other = edge.source().same(node) ? edge.target() : edge.source();
      var item = document.createElement("li");
      var go = document.createElement("button");
      go.type = "button";
      go.textContent = other.data("name");
      go.addEventListener("click", function () { choose(cy, other, panel, colours, true); });
      var page = document.createElement("a");
      page.href = other.data("href");
      page.textContent = "page";
      page.setAttribute("aria-label", "page of " + other.data("name"));
      item.appendChild(document.createTextNode(edge.data("label") + ": "));
      item.appendChild(go);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(page);
      list.appendChild(item);
    });
    panel.appendChild(list);
    if (keepFocus) { link.focus(); }
    var status = document.getElementById("explorer-status");
    if (status) { status.textContent = node.data("name") + ": " + node.degree() + " neighbours"; }
  }

  function explorer(root) {
    var canvas = root.querySelector(".explorer-canvas");
    var panel = root.querySelector(".explorer-neighbours");
    fetch(root.getAttribute("data-network")).then(function (r) { return r.json(); }).then(function (data) {
      root.hidden = false;
      var drawn = draw(canvas, data, { onChoose: function (node) { choose(drawn.cy, node, panel, drawn.colours); } });
      var cy = drawn.cy;
      window.mhaExplorer = cy;
      cy.one("render", function () {  // for make bench-pictures: milliseconds from navigation to first drawing
        root.setAttribute("data-drawn-ms", String(Math.round(performance.now())));
      });
      var names = root.querySelector("#explorer-names");
      cy.nodes().sort(function (a, b) { return a.data("name").localeCompare(b.data("name")); }).forEach(function (n) {
        var option = document.createElement("option");
        option.value = n.data("name");
        names.appendChild(option);
      });
      root.querySelector(".explorer-find").addEventListener("submit", function (event) {
        event.preventDefault();
        var wanted = root.querySelector("#explorer-search").value.trim().toLowerCase();
        var found = cy.nodes(":visible").filter(function (n) { return n.data("name").toLowerCase() === wanted; });
        if (!found.length) {
          found = cy.nodes(":visible").filter(function (n) { return n.data("name").toLowerCase().indexOf(wanted) >= 0; });
        }
        var status = document.getElementById("explorer-status");
        if (!wanted || !found.length) { status.textContent = "No node is called “" + wanted + "”."; return; }
        choose(cy, found[0], panel, drawn.colours);
      });
      root.querySelectorAll(".explorer-types input").forEach(function (box) {
        box.addEventListener("change", function () {
          cy.nodes('[kind = "' + box.value + '"]').style("display", box.checked ? "element" : "none");
        });
      });
      root.querySelector(".explorer-zoom-in").addEventListener("click", function () { zoomBy(cy, 1.25); });
      root.querySelector(".explorer-zoom-out").addEventListener("click", function () { zoomBy(cy, 0.8); });
      root.querySelector(".explorer-fit").addEventListener("click", function () {
        cy.elements().removeClass("faded near chosen");
        cy.fit(cy.elements(":visible"), 20);
      });
      root.setAttribute("data-ready", "true");
    });
  }

  window.mhaNetwork = { draw: draw, choose: choose };
  document.querySelectorAll(".explorer[data-network]").forEach(explorer);
}());
