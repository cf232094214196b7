/* civic — proposal maps with Leaflet. Progressive enhancement: every map is a `[data-map]`
 * element that stays hidden without JavaScript; the page works without it (latitude and
 * longitude fields, addresses, plain lists).
 *   data-map="picker"  the proposal form: a click or a dragged marker fills the lat/lon inputs
 *   data-map="point"   a proposal page: one marker, no interaction
 *   data-map="cluster" the map page: clustered markers loaded from data-url (JSON)
 * User text from the JSON goes into the page only through textContent, never as HTML.
 */
(function () {
  "use strict";

  function pair(value) {
    if (!value) return null;
    var parts = value.split(",").map(Number);
    if (parts.length !== 2 || !isFinite(parts[0]) || !isFinite(parts[1])) return null;
    return parts;
  }

  function bounds(el) {
    var parts = (el.dataset.bounds || "").split(",").map(Number);
    if (parts.length !== 4 || parts.some(function (n) { return !isFinite(n); })) return null;
    return L.latLngBounds([parts[0], parts[1]], [parts[2], parts[3]]);
  }

  function setUpIcons(el) {
    // Hashed static file names defeat Leaflet's guess of its image folder: give full URLs.
    L.Icon.Default.imagePath = "";
    L.Icon.Default.mergeOptions({
      iconUrl: el.dataset.icon,
      iconRetinaUrl: el.dataset.icon2x,
      shadowUrl: el.dataset.shadow
    });
  }

  function baseMap(el, options, restrict) {
    el.hidden = false;
    setUpIcons(el);
    var settings = Object.assign({ scrollWheelZoom: false, zoomControl: true }, options || {});
    var zoom = settings.zoomControl;
    settings.zoomControl = false;
    var map = L.map(el, settings);
    // Leaflet's own labels are English: the page gives them in its language.
    if (zoom) {
      L.control.zoom({
        zoomInTitle: el.dataset.zoomIn || "+",
        zoomOutTitle: el.dataset.zoomOut || "-"
      }).addTo(map);
    }
    map.on("popupopen", function (event) {
      var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close && el.dataset.close) {
        close.setAttribute("aria-label", el.dataset.close);
        close.title = el.dataset.close;
      }
    });
    L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution, maxZoom: 19 }).addTo(map);
    var box = bounds(el);
    var centre = pair(el.dataset.centre);
    if (box) {
      if (restrict !== false) map.setMaxBounds(box.pad(0.2));
      map.fitBounds(box);
      map.options.minZoom = Math.max(map.getZoom() - 1, 0);
    } else if (centre) {
      map.setView(centre, 14);
    } else {
      map.setView([0, 0], 2);
    }
    return { map: map, box: box };
  }

  function picker(el) {
    var lat = document.getElementById(el.dataset.latInput);
    var lon = document.getElementById(el.dataset.lonInput);
    if (!lat || !lon) return;
    var made = baseMap(el);
    var map = made.map;
    var marker = null;

    function place(point, pan) {
      if (marker) {
        marker.setLatLng(point);
      } else {
        var label = el.getAttribute("aria-label");
        marker = L.marker(point, { draggable: true, keyboard: true, title: label, alt: label }).addTo(map);
        marker.on("dragend", function () { fill(marker.getLatLng()); });
      }
      if (pan) map.panTo(point);
    }

    function fill(point) {
      if (made.box && !made.box.contains(point)) return;
      // Inputs are found again each time: inline validation may have swapped them.
      lat = document.getElementById(el.dataset.latInput) || lat;
      lon = document.getElementById(el.dataset.lonInput) || lon;
      lat.value = point.lat.toFixed(6);
      lon.value = point.lng.toFixed(6);
      place(point, false);
      [lat, lon].forEach(function (input) {
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
    }

    var start = pair(el.dataset.point);
    if (start) place(start, true);
    map.on("click", function (event) { fill(event.latlng); });

    // Typing coordinates moves the marker (the inputs may be replaced, so listen on the form).
    var form = lat.form || document;
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (!target || (target.id !== el.dataset.latInput && target.id !== el.dataset.lonInput)) return;
      var a = parseFloat((document.getElementById(el.dataset.latInput) || {}).value);
      var b = parseFloat((document.getElementById(el.dataset.lonInput) || {}).value);
      if (isFinite(a) && isFinite(b)) place([a, b], true);
    });
  }

  function point(el) {
    var at = pair(el.dataset.point);
    if (!at) return;
    var made = baseMap(el, {
      dragging: false, touchZoom: false, doubleClickZoom: false, boxZoom: false,
      keyboard: false, zoomControl: false
    }, false);
    made.map.options.minZoom = 0;
    made.map.setView(at, 16);
    L.marker(at, { keyboard: false, interactive: false, alt: el.getAttribute("aria-label") }).addTo(made.map);
    el.removeAttribute("tabindex");
  }

  function popup(item) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var link = document.createElement("a");
    link.href = item.url;
    link.textContent = item.title;
    var meta = document.createElement("p");
    meta.textContent = item.status + " · " + item.cost;
    box.appendChild(link);
    box.appendChild(meta);
    return box;
  }

  function cluster(el) {
    // Not held to one district: the filters may change the district shown.
    var made = baseMap(el, {}, false);
    made.map.options.minZoom = 0;
    var map = made.map;
    var group = L.markerClusterGroup ? L.markerClusterGroup() : L.layerGroup();
    group.addTo(map);
    var pending = null;

    function load(url) {
      if (pending) pending.abort();
      pending = new AbortController();
      fetch(url, { headers: { Accept: "application/json" }, signal: pending.signal })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (items) {
          group.clearLayers();
          var markers = items.map(function (item) {
            return L.marker([item.lat, item.lon], { title: item.title, alt: item.title })
              .bindPopup(popup(item));
          });
          if (group.addLayers) group.addLayers(markers); else markers.forEach(function (m) { group.addLayer(m); });
          if (markers.length) {
            map.fitBounds(L.featureGroup(markers).getBounds().pad(0.1), { maxZoom: 16 });
          }
        })
        .catch(function (error) { if (error.name !== "AbortError") throw error; });
    }

    load(el.dataset.url);
    // The filters swap the results list in with htmx; it carries the matching data URL.
    document.body.addEventListener("htmx:afterSettle", function () {
      var marker = document.querySelector("[data-map-results]");
      if (marker && marker.dataset.mapResults !== el.dataset.url) {
        el.dataset.url = marker.dataset.mapResults;
        load(el.dataset.url);
      }
    });
  }

  function init() {
    if (typeof L === "undefined") return;
    document.querySelectorAll("[data-map]").forEach(function (el) {
      var kind = el.dataset.map;
      if (kind === "picker") picker(el);
      else if (kind === "point") point(el);
      else if (kind === "cluster") cluster(el);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
