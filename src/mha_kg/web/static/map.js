// The map: Leaflet (vendored) over the Natural Earth outline of Great Britain (a GeoJSON file
// shipped in static/), no tiles, so it works offline. One marker per city, showing how many
// organisations are there; Enter or a click opens the list with a link to each page. Cities
// too close to tell apart at the current zoom are clustered (Leaflet.markercluster, vendored):
// Enter or a click on a cluster zooms in. Leaflet makes markers focusable buttons and gives the
// map arrow-key panning and +/- zoom; each marker's text names it for screen readers.
// window.mhaMap.draw is shared with the query editor's map view of results with coordinates.
(function () {
  "use strict";
  var outlines = {};

  function outline(url) {
    if (!outlines[url]) { outlines[url] = fetch(url).then(function (r) { return r.json(); }); }
    return outlines[url];
  }

  function popup(marker) {
    var box = document.createElement("div");
    var heading = document.createElement("strong");
    heading.textContent = marker.place;
    box.appendChild(heading);
    var list = document.createElement("ul");
    marker.organisations.forEach(function (o) {
      var item = document.createElement("li");
      var link = document.createElement(o.href ? "a" : "span");
      if (o.href) { link.href = o.href; }
      link.textContent = o.name;
      item.appendChild(link);
      list.appendChild(item);
    });
    box.appendChild(list);
    return box;
  }

  function markerIcon(count, name) {
    var html = document.createElement("span");
    var shown = document.createElement("span");
    shown.setAttribute("aria-hidden", "true");
    shown.textContent = count;
    var spoken = document.createElement("span");
    spoken.className = "visually-hidden";
    spoken.textContent = name;
    html.appendChild(shown);
    html.appendChild(spoken);
    return window.L.divIcon({ className: "map-marker", html: html.innerHTML, iconSize: [26, 26], iconAnchor: [13, 13] });
  }

  // A cluster shows the organisations it holds and names its cities.
  function clusterIcon(cluster) {
    var places = cluster.getAllChildMarkers().map(function (m) { return m.options.place; });
    var count = cluster.getAllChildMarkers().reduce(function (sum, m) { return sum + m.options.count; }, 0);
    var icon = markerIcon(count, places.join(", ") + ": " + count + " organisations; Enter zooms in");
    icon.options.className = "map-marker map-cluster";
    icon.options.iconSize = [34, 34];
    icon.options.iconAnchor = [17, 17];
    return icon;
  }

  function markerLayer(L) {
    if (!L.markerClusterGroup) { return L.featureGroup(); }
    var layer = L.markerClusterGroup({ maxClusterRadius: 60, showCoverageOnHover: false, iconCreateFunction: clusterIcon });
    // Opening a cluster replaces its marker: the keyboard goes on to the first of the markers it held.
    layer.on("clusterclick clusterkeypress", function (event) {
      if (event.type === "clusterkeypress" && event.originalEvent.keyCode !== 13) { return; }
      var first = event.layer.getAllChildMarkers()[0];
      layer.once("animationend", function () {
        var shown = layer.getVisibleParent(first);
        if (shown && shown.getElement()) { shown.getElement().focus(); }
      });
    });
    return layer;
  }

  // Draw markers [{place, lat, lon, organisations: [{name, href}]}] on the outline in `box`.
  function draw(box, markers, outlineUrl) {
    var L = window.L;
    var map = L.map(box, { zoomSnap: 0.25, minZoom: 4, maxZoom: 12, attributionControl: true, keyboard: true });
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    map.attributionControl.addAttribution("Coastline: Natural Earth");
    var layer = markerLayer(L);
    markers.forEach(function (m) {
      var count = m.organisations.length;
      var name = m.place + ": " + count + (count === 1 ? " organisation" : " organisations");
      L.marker([m.lat, m.lon], { icon: markerIcon(count, name), title: name, keyboard: true, riseOnHover: true,
                                 place: m.place, count: count })
        .bindPopup(popup(m)).addTo(layer);
    });
    var bounds = markers.length ? L.featureGroup(layer.getLayers()).getBounds().pad(0.1)
                                : L.latLngBounds([49.9, -8], [58.7, 2]);
    map.mhaMarkers = layer;
    map.fitBounds(bounds);
    layer.addTo(map);
    return outline(outlineUrl).then(function (geojson) {
      L.geoJSON(geojson, { interactive: false, style: function (feature) {
        var home = feature.properties.name === "United Kingdom";
        return { color: "#5b6b7b", weight: 1, fillColor: home ? "#f4f1e8" : "#e4e4e4", fillOpacity: 1 };
      } }).addTo(map).bringToBack();
      box.setAttribute("data-ready", "true");
      return map;
    });
  }

  function holder(root) {
    var box = root.querySelector(".org-map");
    fetch(root.getAttribute("data-markers")).then(function (r) { return r.json(); }).then(function (data) {
      root.hidden = false;
      return draw(box, data.markers, root.getAttribute("data-outline"));
    }).then(function (map) { window.mhaLeafletMap = map; });
  }

  window.mhaMap = { draw: draw };
  document.querySelectorAll(".leaflet-holder[data-markers]").forEach(holder);
}());
