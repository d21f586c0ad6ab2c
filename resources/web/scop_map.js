/* SCOP live map: the offline base map of Paris and the live layers (crews, events, points of
 * means) drawn on one canvas in their own pane above the polygons. The page is built once by
 * folium; Python pushes batched JSON diffs with ScopMap.apply() and reads back
 * ScopMap.state(). Page -> Python goes through console messages prefixed "scop:". */
(function () {
  'use strict';

  var S = (window.ScopMap = {});
  var GEO = window.SCOP_GEO || {};
  var map = null;
  var live = null; // the canvas layer
  var crews = new Map(); // call sign -> {id, lat, lon, s, h, m, e}
  var events = new Map(); // id -> {id, lat, lon, cat, g, st, t, c (ms), title}
  var means = new Map(); // id -> {id, lat, lon, kind, label, e}
  var perims = new Map(); // id -> {data, layer}
  var hazards = new Map(); // id -> Leaflet marker
  var watched = false; // some crew has a check due: its marker pulses
  var show = { crews: true, events: true, means: true };
  var batches = 0;
  var lastBatchMs = 0;
  var nowMs = Date.now();
  var timeFilterH = 0; // 0: all
  var sel = { crew: null, event: null };
  var follow = false;
  var ready = false;
  var drawn = { arrondissements: 0, quartiers: 0, sectors: 0, water: 0, streets: 0, mairies: 0 };
  var mode = null; // null, "polygon", "measure"
  var draft = null;
  var groups = {};
  var arrLayers = [];
  var streetsOn = true;
  var STREETS_MIN_ZOOM = 15;
  var autoFit = true; // keep all of Paris in view while the dock is resized, until the operator moves the map

  var STATUS = {
    disponible: { colour: '#2e7d32', shape: 'circle', label: 'Disponible' },
    engage: { colour: '#ef6c00', shape: 'triangle', label: 'Engagé' },
    sur_les_lieux: { colour: '#c62828', shape: 'diamond', label: 'Sur les lieux' },
    indisponible: { colour: '#6d4c41', shape: 'square', label: 'Indisponible' },
    hors_service: { colour: '#757575', shape: 'cross', label: 'Hors service' }
  };
  // EMSI category families: a glyph and a colour each
  var FAMILIES = {
    FIR: { glyph: 'F', colour: '#d84315', label: 'Incendie' },
    EXP: { glyph: 'X', colour: '#b71c1c', label: 'Explosion' },
    FLD: { glyph: 'I', colour: '#1565c0', label: 'Inondation' },
    HLT: { glyph: '+', colour: '#ad1457', label: 'Santé' },
    TRP: { glyph: 'T', colour: '#4527a0', label: 'Transport' },
    ASB: { glyph: 'O', colour: '#37474f', label: 'Ordre public' },
    PSW: { glyph: 'S', colour: '#00695c', label: 'Sécurité publique' },
    ASR: { glyph: 'R', colour: '#6a1b9a', label: 'Sauvetage' },
    GND: { glyph: 'G', colour: '#795548', label: 'Événement au sol' },
    POL: { glyph: 'P', colour: '#558b2f', label: 'Pollution' }
  };
  var OTHER = { glyph: '?', colour: '#455a64', label: 'Autre' };
  var GRAVITY_SIZE = { 1: 7, 2: 9, 3: 11, 4: 13 };

  function post(obj) {
    console.log('scop:' + JSON.stringify(obj));
  }

  function esc(text) {
    return String(text === undefined || text === null ? '' : text)
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;');
  }

  function family(cat) {
    var f = String(cat || '').split('/')[0].toUpperCase();
    return FAMILIES[f] ? f : 'OTHER';
  }

  function decode(flat, scale) {
    var out = [];
    var x = 0;
    var y = 0;
    for (var i = 0; i < flat.length; i += 2) {
      x += flat[i];
      y += flat[i + 1];
      out.push([y / scale, x / scale]);
    }
    return out;
  }

  function polyLatLngs(poly, scale) {
    return poly.map(function (rings) {
      return rings.map(function (r) {
        return decode(r, scale);
      });
    });
  }

  function label(latlng, text, cls, pane) {
    return L.marker(latlng, {
      pane: pane || 'scopLabels',
      interactive: false,
      keyboard: false,
      icon: L.divIcon({ className: 'scop-label ' + cls, html: '<span>' + text + '</span>', iconSize: null })
    });
  }

  // -- base map ---------------------------------------------------------------------------

  function buildBase() {
    var scale = (GEO.meta && GEO.meta.scale) || 100000;
    var svg = L.svg({ pane: 'scopBase' });
    var admin = GEO.admin || { arrondissements: [], sectors: [] };
    groups.arr = L.layerGroup();
    groups.qu = L.layerGroup();
    groups.water = L.layerGroup();
    groups.mairies = L.layerGroup();
    groups.labels = L.layerGroup();
    groups.quLabels = L.layerGroup();

    admin.arrondissements.forEach(function (a) {
      var centre = a.n <= 4;
      var layer = L.polygon(polyLatLngs(a.poly, scale), {
        renderer: svg,
        interactive: false,
        stroke: !centre,
        color: '#5d5348',
        weight: 2,
        fillColor: a.n % 2 ? '#fbf8f1' : '#f6f2e8',
        fillOpacity: 1
      });
      layer.scopArr = a.n;
      arrLayers.push(layer);
      groups.arr.addLayer(layer);
      drawn.arrondissements += 1;
    });
    admin.sectors.forEach(function (s) {
      if (s.poly && s.poly.length) {
        groups.arr.addLayer(
          L.polygon(polyLatLngs(s.poly, scale), {
            renderer: svg,
            interactive: false,
            color: '#5d5348',
            weight: 2,
            fill: false
          })
        );
      }
      groups.labels.addLayer(label([s.at[1], s.at[0]], s.label, s.id === 'centre' ? 'scop-sector scop-centre' : 'scop-sector'));
      drawn.sectors += 1;
    });
    groups.labels.addLayer(label([48.8625, 2.2494], 'Bois de Boulogne', 'scop-wood'));
    groups.labels.addLayer(label([48.8330, 2.4330], 'Bois de Vincennes', 'scop-wood'));

    (GEO.quartiers || []).forEach(function (q) {
      groups.qu.addLayer(
        L.polygon(polyLatLngs(q.poly, scale), {
          renderer: svg,
          interactive: false,
          color: '#9e9384',
          weight: 0.8,
          dashArray: '3 3',
          fill: false
        })
      );
      groups.quLabels.addLayer(label([q.at[1], q.at[0]], q.name, 'scop-quartier'));
      drawn.quartiers += 1;
    });

    (GEO.water || []).forEach(function (w) {
      groups.water.addLayer(
        L.polygon(polyLatLngs(w.poly, scale), {
          renderer: svg,
          interactive: false,
          stroke: true,
          color: '#7fb0d8',
          weight: 0.6,
          fillColor: '#a9d0ef',
          fillOpacity: 1
        })
      );
      drawn.water += 1;
    });

    var streetRenderer = L.canvas({ pane: 'scopStreets', padding: 0.2 });
    groups.streets = L.layerGroup();
    (GEO.streets || []).forEach(function (st) {
      var line = L.polyline(decode(st[1], scale), {
        renderer: streetRenderer,
        interactive: false,
        color: '#c9bfae',
        weight: 1.5,
        smoothFactor: 1.5
      });
      groups.streets.addLayer(line);
      drawn.streets += 1;
    });

    (GEO.mairies || []).forEach(function (m) {
      var mk = L.marker([m.lat, m.lon], {
        pane: 'scopMairies',
        keyboard: false,
        icon: L.divIcon({ className: 'scop-mairie', html: 'M', iconSize: [15, 15] })
      });
      mk.bindTooltip(m.label + '<br>' + m.address + '<br><i>peut ouvrir un C.A.RE</i>', { direction: 'top' });
      groups.mairies.addLayer(mk);
      drawn.mairies += 1;
    });

    groups.arr.addTo(map);
    groups.water.addTo(map);
    groups.qu.addTo(map);
    groups.labels.addTo(map);
    groups.mairies.addTo(map);
    updateZoomLayers();
  }

  function updateZoomLayers() {
    var z = map.getZoom();
    var wantStreets = streetsOn && z >= STREETS_MIN_ZOOM;
    if (wantStreets && !map.hasLayer(groups.streets)) map.addLayer(groups.streets);
    if (!wantStreets && map.hasLayer(groups.streets)) map.removeLayer(groups.streets);
    var wantQu = map.hasLayer(groups.qu) && z >= 14;
    if (wantQu && !map.hasLayer(groups.quLabels)) map.addLayer(groups.quLabels);
    if (!wantQu && map.hasLayer(groups.quLabels)) map.removeLayer(groups.quLabels);
  }

  // An overlay entry of the layer control that only switches a flag of the canvas or a zoom rule.
  var Toggle = L.Layer.extend({
    initialize: function (onAdd, onRemove) {
      this._on = onAdd;
      this._off = onRemove;
    },
    onAdd: function () {
      this._on();
    },
    onRemove: function () {
      this._off();
    }
  });

  // -- the live canvas ----------------------------------------------------------------------

  var Live = L.Layer.extend({
    onAdd: function (m) {
      var pane = m.getPane('scopLive');
      this._canvas = L.DomUtil.create('canvas', 'scop-live leaflet-zoom-hide', pane);
      this._ctx = this._canvas.getContext('2d');
      m.on('move zoomend resize viewreset', this.redraw, this);
      this.redraw();
    },
    onRemove: function (m) {
      m.off('move zoomend resize viewreset', this.redraw, this);
      L.DomUtil.remove(this._canvas);
    },
    redraw: function () {
      if (!this._map) return;
      var size = this._map.getSize();
      var r = window.devicePixelRatio || 1;
      var c = this._canvas;
      if (c.width !== size.x * r || c.height !== size.y * r) {
        c.width = size.x * r;
        c.height = size.y * r;
        c.style.width = size.x + 'px';
        c.style.height = size.y + 'px';
      }
      L.DomUtil.setPosition(c, this._map.containerPointToLayerPoint([0, 0]));
      var ctx = this._ctx;
      ctx.setTransform(r, 0, 0, r, 0, 0);
      ctx.clearRect(0, 0, size.x, size.y);
      draw(ctx, this._map, size);
    }
  });

  function visibleEvent(ev) {
    if (!timeFilterH) return true;
    return ev.c >= nowMs - timeFilterH * 3600 * 1000;
  }

  function shapePath(ctx, shape, x, y, r) {
    ctx.beginPath();
    if (shape === 'triangle') {
      ctx.moveTo(x, y - r * 1.15);
      ctx.lineTo(x + r, y + r * 0.75);
      ctx.lineTo(x - r, y + r * 0.75);
      ctx.closePath();
    } else if (shape === 'diamond') {
      ctx.moveTo(x, y - r * 1.2);
      ctx.lineTo(x + r * 1.2, y);
      ctx.lineTo(x, y + r * 1.2);
      ctx.lineTo(x - r * 1.2, y);
      ctx.closePath();
    } else if (shape === 'square') {
      ctx.rect(x - r * 0.9, y - r * 0.9, r * 1.8, r * 1.8);
    } else if (shape === 'cross') {
      var a = r * 0.45;
      ctx.moveTo(x - r, y - a);
      ctx.lineTo(x - a, y - a);
      ctx.lineTo(x - a, y - r);
      ctx.lineTo(x + a, y - r);
      ctx.lineTo(x + a, y - a);
      ctx.lineTo(x + r, y - a);
      ctx.lineTo(x + r, y + a);
      ctx.lineTo(x + a, y + a);
      ctx.lineTo(x + a, y + r);
      ctx.lineTo(x - a, y + r);
      ctx.lineTo(x - a, y + a);
      ctx.lineTo(x - r, y + a);
      ctx.closePath();
    } else {
      ctx.arc(x, y, r, 0, Math.PI * 2);
    }
  }

  function text(ctx, str, x, y, font, colour) {
    ctx.font = font;
    ctx.lineWidth = 3;
    ctx.strokeStyle = 'rgba(255,255,255,0.92)';
    ctx.strokeText(str, x, y);
    ctx.fillStyle = colour;
    ctx.fillText(str, x, y);
  }

  function draw(ctx, m, size) {
    var z = m.getZoom();
    var pad = 30;
    var inView = function (p) {
      return p.x > -pad && p.y > -pad && p.x < size.x + pad && p.y < size.y + pad;
    };
    ctx.textBaseline = 'middle';

    if (show.means) {
      means.forEach(function (p) {
        var pt = m.latLngToContainerPoint([p.lat, p.lon]);
        if (!inView(pt)) return;
        var w = p.kind === 'CARE' ? 46 : 32;
        ctx.fillStyle = p.kind === 'CARE' ? '#1a237e' : '#00838f';
        ctx.strokeStyle = '#fff';
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.rect(pt.x - w / 2, pt.y - 8, w, 16);
        ctx.fill();
        ctx.stroke();
        ctx.textAlign = 'center';
        ctx.fillStyle = '#fff';
        ctx.font = 'bold 10px sans-serif';
        ctx.fillText(p.kind === 'CARE' ? 'C.A.RE' : 'VPU', pt.x, pt.y + 0.5);
        if (z >= 14 && p.label) {
          ctx.textAlign = 'left';
          text(ctx, p.label, pt.x + w / 2 + 4, pt.y, '11px sans-serif', '#1a237e');
        }
      });
    }

    if (show.events) {
      drawOrder().forEach(function (ev) {
        ev.vis = visibleEvent(ev);
        if (!ev.vis) return;
        var pt = m.latLngToContainerPoint([ev.lat, ev.lon]);
        if (!inView(pt)) return;
        var f = FAMILIES[family(ev.cat)] || OTHER;
        var g = Math.max(1, Math.min(4, ev.g || 2));
        var r = GRAVITY_SIZE[g] + (z >= 15 ? 2 : 0);
        var closed = ev.st === 'clos';
        ctx.globalAlpha = closed ? 0.45 : 1;
        if (g >= 3 && !closed) {
          ctx.beginPath();
          ctx.arc(pt.x, pt.y, r + 6, 0, Math.PI * 2);
          ctx.fillStyle = g === 4 ? 'rgba(198,40,40,0.28)' : 'rgba(239,108,0,0.25)';
          ctx.fill();
          ctx.lineWidth = g === 4 ? 3 : 2;
          ctx.strokeStyle = g === 4 ? '#c62828' : '#ef6c00';
          ctx.stroke();
        }
        // a square standing on its corner: events never read as crews
        ctx.beginPath();
        ctx.moveTo(pt.x, pt.y - r * 1.25);
        ctx.lineTo(pt.x + r * 1.25, pt.y);
        ctx.lineTo(pt.x, pt.y + r * 1.25);
        ctx.lineTo(pt.x - r * 1.25, pt.y);
        ctx.closePath();
        ctx.fillStyle = f.colour;
        ctx.fill();
        ctx.lineWidth = 2;
        ctx.strokeStyle = '#fff';
        ctx.stroke();
        ctx.textAlign = 'center';
        ctx.fillStyle = '#fff';
        ctx.font = 'bold ' + Math.round(r * 1.05) + 'px sans-serif';
        ctx.fillText(f.glyph, pt.x, pt.y + 1);
        if (sel.event === ev.id) {
          ctx.beginPath();
          ctx.arc(pt.x, pt.y, r * 1.25 + 7, 0, Math.PI * 2);
          ctx.lineWidth = 3;
          ctx.strokeStyle = '#1565c0';
          ctx.stroke();
        }
        if (z >= 14) {
          ctx.textAlign = 'left';
          text(ctx, ev.id + (z >= 16 && ev.title ? ' — ' + ev.title : ''), pt.x + r * 1.25 + 5, pt.y, 'bold 11px sans-serif', '#263238');
        }
        ctx.globalAlpha = 1;
      });
    }

    if (show.crews) {
      var many = crews.size > 800 && z < 14;
      var r0 = many ? 3.5 : z >= 15 ? 7 : 6;
      var labels = z >= 15 || (z >= 14 && crews.size < 200);
      crews.forEach(function (c) {
        var pt = m.latLngToContainerPoint([c.lat, c.lon]);
        if (!inView(pt)) return;
        var st = STATUS[c.s] || STATUS.hors_service;
        if (c.h !== null && c.h !== undefined && !many && c.s !== 'hors_service') {
          var a = (c.h * Math.PI) / 180;
          var dx = Math.sin(a);
          var dy = -Math.cos(a);
          var len = r0 + 9;
          var tx = pt.x + dx * len;
          var ty = pt.y + dy * len;
          ctx.beginPath();
          ctx.moveTo(pt.x + dx * r0, pt.y + dy * r0);
          ctx.lineTo(tx, ty);
          ctx.lineWidth = 2;
          ctx.strokeStyle = st.colour;
          ctx.stroke();
          ctx.beginPath();
          ctx.moveTo(tx + dx * 4, ty + dy * 4);
          ctx.lineTo(tx - dy * 3.5, ty + dx * 3.5);
          ctx.lineTo(tx + dy * 3.5, ty - dx * 3.5);
          ctx.closePath();
          ctx.fillStyle = st.colour;
          ctx.fill();
        }
        shapePath(ctx, st.shape, pt.x, pt.y, r0);
        ctx.fillStyle = st.colour;
        ctx.fill();
        if (!many) {
          ctx.lineWidth = 1.5;
          ctx.strokeStyle = '#fff';
          ctx.stroke();
        }
        if ((c.w === 'check' || c.w === 'red') && Math.floor(performance.now() / 500) % 2 === 0) {
          ctx.beginPath();
          ctx.arc(pt.x, pt.y, r0 + 10, 0, Math.PI * 2);
          ctx.lineWidth = 3;
          ctx.strokeStyle = c.w === 'red' ? '#b71c1c' : '#ef6c00';
          ctx.stroke();
        }
        if (overdue(c) && !many) {
          // planned end of duty passed: a red clock badge at the top left of the symbol (the
          // call sign is written at its top right)
          var bx = pt.x - r0 - 1;
          var by = pt.y - r0 - 1;
          ctx.beginPath();
          ctx.arc(bx, by, 4.5, 0, Math.PI * 2);
          ctx.fillStyle = '#c62828';
          ctx.fill();
          ctx.lineWidth = 1.2;
          ctx.strokeStyle = '#fff';
          ctx.stroke();
          ctx.beginPath();
          ctx.moveTo(bx, by - 2.8);
          ctx.lineTo(bx, by);
          ctx.lineTo(bx + 2.2, by);
          ctx.stroke();
        }
        if (sel.crew === c.id) {
          ctx.beginPath();
          ctx.arc(pt.x, pt.y, r0 + 6, 0, Math.PI * 2);
          ctx.lineWidth = 3;
          ctx.strokeStyle = '#1565c0';
          ctx.stroke();
        }
        if (labels || sel.crew === c.id) {
          ctx.textAlign = 'left';
          text(ctx, c.id, pt.x + r0 + 4, pt.y - r0 - 2, 'bold 11px sans-serif', st.colour);
        }
      });
    }
  }

  // Closed events first, then by gravity: a new minor event never hides a critical one.
  function drawOrder() {
    var list = Array.from(events.values());
    list.sort(function (a, b) {
      var ca = a.st === 'clos' ? 0 : 1;
      var cb = b.st === 'clos' ? 0 : 1;
      return ca - cb || (a.g || 2) - (b.g || 2);
    });
    return list;
  }

  function overdue(c) {
    return c.end !== null && c.end !== undefined && nowMs >= c.end;
  }
  S.overdueCrews = function () {
    var out = [];
    crews.forEach(function (c) {
      if (overdue(c)) out.push(c.id);
    });
    return out.sort();
  };

  function hit(point) {
    var best = null;
    var bestD = 12 * 12;
    var consider = function (kind, id, lat, lon) {
      var p = map.latLngToContainerPoint([lat, lon]);
      var d = (p.x - point.x) * (p.x - point.x) + (p.y - point.y) * (p.y - point.y);
      if (d <= bestD) {
        bestD = d;
        best = { kind: kind, id: id };
      }
    };
    if (show.events) drawOrder().forEach(function (e) {
      if (e.vis !== false) consider('event', e.id, e.lat, e.lon);
    });
    if (show.crews) crews.forEach(function (c) {
      consider('crew', c.id, c.lat, c.lon);
    });
    return best;
  }

  // -- perimeters ---------------------------------------------------------------------------

  function perimeterLayer(p) {
    var style = {
      pane: 'scopPerimeters',
      color: '#c62828',
      weight: 2,
      dashArray: '6 4',
      fillColor: '#e53935',
      fillOpacity: 0.1,
      interactive: true
    };
    var layer =
      p.shape === 'circle'
        ? L.circle([p.lat, p.lon], L.extend({ radius: p.radius }, style))
        : L.polygon(
            p.points.map(function (q) {
              return [q[1], q[0]];
            }),
            style
          );
    var what = p.shape === 'circle' ? 'Périmètre de ' + Math.round(p.radius) + ' m' : 'Périmètre';
    layer.bindTooltip(what + (p.event_id ? ' — ' + p.event_id : '') + (p.label ? '<br>' + p.label : ''));
    return layer;
  }

  // -- les cartes de l'observatoire ----------------------------------------------------------

  // Events counted by arrondissement, or by quartier from a closer zoom on. Python counts
  // (scop.reports.choropleth) and sends both levels at once, each area with its count, its
  // colour and where to write it; the page only draws them and switches level on zoomend.
  var choro = { data: null, on: false, level: null, quiet: false, groups: {}, labels: {}, polys: {}, layer: null, legend: null };
  var CHORO_LEVELS = ['arrondissement', 'quartier'];

  function choroShapes(level) {
    return level === 'arrondissement' ? (GEO.admin || { arrondissements: [] }).arrondissements : GEO.quartiers || [];
  }

  function buildChoro(level) {
    if (choro.groups[level]) return;
    var scale = (GEO.meta && GEO.meta.scale) || 100000;
    var svg = L.svg({ pane: 'scopChoro' });
    var group = L.layerGroup();
    choro.polys[level] = {};
    choroShapes(level).forEach(function (a) {
      var layer = L.polygon(polyLatLngs(a.poly, scale), {
        renderer: svg,
        interactive: true, // found under the live canvas by elementsFromPoint for the hover
        color: '#5d5348',
        weight: level === 'arrondissement' ? 1.5 : 0.8,
        fillColor: '#f4f1ea',
        fillOpacity: 0.72
      });
      layer.scopChoro = { level: level, k: a.n };
      group.addLayer(layer);
      choro.polys[level][a.n] = layer;
    });
    choro.groups[level] = group;
    choro.labels[level] = L.layerGroup();
  }

  function choroItem(level, k) {
    var d = choro.data && choro.data[level];
    if (!d) return null;
    for (var i = 0; i < d.areas.length; i++) if (d.areas[i].k === k) return d.areas[i];
    return null;
  }

  function choroAt(clientX, clientY) {
    if (!choro.on || !choro.level) return null;
    var els = document.elementsFromPoint(clientX, clientY);
    for (var i = 0; i < els.length; i++) {
      var found = null;
      choro.groups[choro.level].eachLayer(function (l) {
        if (l._path === els[i]) found = l;
      });
      if (found) return choroItem(found.scopChoro.level, found.scopChoro.k);
    }
    return null;
  }

  function choroLegendHtml() {
    var d = choro.data && choro.level && choro.data[choro.level];
    if (!d) return '';
    var rows = d.legend
      .map(function (r) {
        return '<span class="scop-choro-key"><i style="background:' + esc(r[0]) + '"></i>' + esc(r[1]) + '</span>';
      })
      .join('');
    var other = choro.level === 'arrondissement' ? 'zoomer pour compter par quartier' : 'dézoomer pour compter par arrondissement';
    var head = '<b>' + esc(d.title) + '</b><br>' + esc(d.period) + '<div class="scop-choro-keys">' + rows + '</div>';
    // a short map (a dock of a 1366×768 screen) keeps the areas visible: the hint and the
    // sources go to the legend's tooltip (the exported picture writes them in full)
    if (map.getSize().y < 600) return head;
    return head + '<span class="scop-choro-hint">' + other + '</span><br><span class="scop-choro-sources">' + esc(choro.data.sources) + '</span>';
  }

  function choroLegendTip() {
    if (!choro.data || !choro.level) return '';
    var other = choro.level === 'arrondissement' ? 'Zoomer pour compter par quartier.' : 'Dézoomer pour compter par arrondissement.';
    return other + ' ' + choro.data.sources;
  }

  var ChoroLegend = L.Control.extend({
    options: { position: 'topleft' },
    onAdd: function () {
      var div = L.DomUtil.create('div', 'scop-legend scop-choro-legend');
      L.DomEvent.disableClickPropagation(div);
      div.innerHTML = choroLegendHtml();
      return div;
    }
  });

  function showChoroLevel(level) {
    CHORO_LEVELS.forEach(function (lv) {
      var want = lv === level;
      [choro.groups[lv], choro.labels[lv]].forEach(function (g) {
        if (!g) return;
        if (want && !map.hasLayer(g)) map.addLayer(g);
        if (!want && map.hasLayer(g)) map.removeLayer(g);
      });
    });
    var changed = level !== choro.level;
    choro.level = level;
    if (level && !choro.legend) choro.legend = new ChoroLegend().addTo(map);
    if (!level && choro.legend) {
      choro.legend.remove();
      choro.legend = null;
    }
    if (choro.legend) {
      choro.legend.getContainer().innerHTML = choroLegendHtml();
      choro.legend.getContainer().title = choroLegendTip();
    }
    if (changed && level) post({ t: 'choro_level', level: level });
  }

  function choroZoom() {
    if (!choro.on || !choro.data) {
      showChoroLevel(null);
      return;
    }
    showChoroLevel(map.getZoom() >= choro.data.quartier_zoom ? 'quartier' : 'arrondissement');
  }

  function choroResize() {
    if (choro.legend) choro.legend.getContainer().innerHTML = choroLegendHtml();
  }

  var ChoroLayer = L.Layer.extend({
    onAdd: function () {
      choro.on = true;
      map.on('zoomend', choroZoom);
      map.on('resize', choroResize);
      choroZoom();
      if (!choro.quiet) post({ t: 'choro', on: true });
    },
    onRemove: function () {
      choro.on = false;
      map.off('zoomend', choroZoom);
      map.off('resize', choroResize);
      showChoroLevel(null);
      if (!choro.quiet) post({ t: 'choro', on: false });
    }
  });

  // The counts of both levels, from Python: colours, labels and tooltips follow.
  S.setChoropleth = function (data) {
    choro.data = data;
    CHORO_LEVELS.forEach(function (level) {
      var d = data[level];
      if (!d) return;
      buildChoro(level);
      var labels = choro.labels[level];
      labels.clearLayers();
      d.areas.forEach(function (a) {
        var poly = choro.polys[level][a.k];
        if (poly) poly.setStyle({ fillColor: a.c });
        var mk = L.marker(a.at, {
          pane: 'scopChoroLabels',
          interactive: false,
          keyboard: false,
          icon: L.divIcon({
            className: 'scop-choro-count scop-choro-' + level + (a.n ? '' : ' scop-choro-zero'),
            html: '<span data-k="' + a.k + '">' + a.n + '</span>',
            iconSize: null
          })
        });
        labels.addLayer(mk);
      });
    });
    choro.level = null; // redraw the legend of the level shown
    choroZoom();
    return true;
  };

  // Switched from Python (the dock's button): no message back.
  S.showChoropleth = function (on) {
    choro.quiet = true;
    try {
      if (on && !map.hasLayer(choro.layer)) map.addLayer(choro.layer);
      if (!on && map.hasLayer(choro.layer)) map.removeLayer(choro.layer);
    } finally {
      choro.quiet = false;
    }
    return choro.on;
  };

  function choroState() {
    var out = { on: choro.on, level: choro.level, shown: {}, counts: {}, labels: {}, legend: '' };
    CHORO_LEVELS.forEach(function (lv) {
      out.shown[lv] = !!(choro.groups[lv] && map.hasLayer(choro.groups[lv]));
      var d = choro.data && choro.data[lv];
      if (d) {
        out.counts[lv] = {};
        d.areas.forEach(function (a) {
          out.counts[lv][a.k] = a.n;
        });
      }
    });
    // what the page really wrote on the areas of the level shown
    if (choro.level) {
      document.querySelectorAll('.scop-choro-' + choro.level + ' span').forEach(function (el) {
        out.labels[el.getAttribute('data-k')] = parseInt(el.textContent, 10);
      });
    }
    if (choro.legend) out.legend = choro.legend.getContainer().innerText;
    return out;
  }

  // -- batches from Python ---------------------------------------------------------------

  function upsert(store, items) {
    for (var i = 0; i < items.length; i++) store.set(items[i].id, items[i]);
  }
  function remove(store, ids) {
    for (var i = 0; i < ids.length; i++) store.delete(ids[i]);
  }

  S.apply = function (b) {
    var t0 = performance.now();
    if (b.full) {
      crews.clear();
      events.clear();
      means.clear();
      perims.forEach(function (p) {
        groups.perimeters.removeLayer(p.layer);
      });
      perims.clear();
    }
    if (b.now) nowMs = b.now;
    if (b.crews) upsert(crews, b.crews);
    if (b.crews_removed) remove(crews, b.crews_removed);
    if (b.events) upsert(events, b.events);
    if (b.events_removed) remove(events, b.events_removed);
    if (b.means) upsert(means, b.means);
    if (b.means_removed) remove(means, b.means_removed);
    (b.perimeters_removed || []).forEach(function (id) {
      var p = perims.get(id);
      if (p) groups.perimeters.removeLayer(p.layer);
      perims.delete(id);
    });
    (b.perimeters || []).forEach(function (p) {
      var old = perims.get(p.id);
      if (old) groups.perimeters.removeLayer(old.layer);
      var layer = perimeterLayer(p);
      groups.perimeters.addLayer(layer);
      perims.set(p.id, { data: p, layer: layer });
    });
    if (b.full) {
      hazards.clear();
      groups.hazards.clearLayers();
    }
    (b.hazards_removed || []).forEach(function (id) {
      var h = hazards.get(id);
      if (h) groups.hazards.removeLayer(h);
      hazards.delete(id);
    });
    (b.hazards || []).forEach(function (h) {
      var old = hazards.get(h.id);
      if (old) groups.hazards.removeLayer(old);
      // a ring around the place: the event or crew drawn there stays visible inside it
      var mk = L.circleMarker([h.lat, h.lon], {
        radius: 15,
        color: '#b71c1c',
        weight: 3,
        dashArray: '4 3',
        fillColor: '#ffeb3b',
        fillOpacity: 0.45,
        pane: 'markerPane'
      });
      mk.bindTooltip('<b>⚠ Danger signalé</b><br>' + esc(h.label) + "<br><i>jusqu'au " + esc(h.until) + '</i>', { direction: 'top' });
      groups.hazards.addLayer(mk);
      hazards.set(h.id, mk);
    });
    watched = false;
    crews.forEach(function (c) {
      if (c.w === 'check' || c.w === 'red') watched = true;
    });
    batches += 1;
    if (follow && sel.crew && crews.has(sel.crew)) {
      var c = crews.get(sel.crew);
      map.panTo([c.lat, c.lon], { animate: false });
    }
    live.redraw();
    lastBatchMs = performance.now() - t0;
    return lastBatchMs;
  };

  // An agent in danger: centre on the crew, its last positions in red.
  S.focusDanger = function (id, lat, lon, trail) {
    groups.danger.clearLayers();
    if (trail && trail.length > 1) {
      groups.danger.addLayer(L.polyline(trail, { color: '#b71c1c', weight: 4, dashArray: '6 6' }));
      trail.forEach(function (p) {
        groups.danger.addLayer(L.circleMarker(p, { radius: 3, color: '#b71c1c', weight: 1, fillOpacity: 0.8 }));
      });
    }
    groups.danger.addLayer(
      L.circleMarker([lat, lon], { radius: 22, color: '#b71c1c', weight: 4, fill: false, className: 'scop-danger-ring' }).bindTooltip(
        'AGENT EN DANGER — ' + esc(id),
        { permanent: true, direction: 'right', className: 'scop-danger-tip' }
      )
    );
    autoFit = false;
    sel.crew = id;
    map.setView([lat, lon], 17, { animate: false });
    live.redraw();
    return true;
  };

  S.select = function (kind, id, pan) {
    if (kind === 'crew') sel.crew = id;
    else sel.event = id;
    var item = kind === 'crew' ? crews.get(id) : events.get(id);
    if (item && pan) {
      autoFit = false;
      var ll = L.latLng(item.lat, item.lon);
      if (!map.getBounds().pad(-0.15).contains(ll)) map.panTo(ll, { animate: false });
    }
    live.redraw();
    return !!item;
  };

  S.setFollow = function (on) {
    follow = !!on;
    if (follow) autoFit = false;
    if (follow && sel.crew && crews.has(sel.crew)) {
      var c = crews.get(sel.crew);
      map.panTo([c.lat, c.lon], { animate: false });
    }
  };

  S.setTimeFilter = function (hours) {
    timeFilterH = hours || 0;
    live.redraw();
  };

  S._map = function () {
    return map;
  };

  S.lastBatchMs = function () {
    return lastBatchMs;
  };

  S.ready = function () {
    return ready;
  };

  S.resetView = function () {
    autoFit = true;
    map.invalidateSize({ pan: false }); // the page may not have heard of a resize yet
    map.fitBounds(PARIS, { animate: false, padding: [4, 4] });
  };

  S.view = function (lat, lon, zoom) {
    autoFit = false;
    map.setView([lat, lon], zoom, { animate: false });
  };

  S.state = function () {
    var out = {
      ready: ready,
      leaflet: typeof L,
      batches: batches,
      last_batch_ms: lastBatchMs,
      drawn: drawn,
      zoom: map.getZoom(),
      center: { lat: map.getCenter().lat, lon: map.getCenter().lng },
      selected: { crew: sel.crew, event: sel.event },
      follow: follow,
      time_filter_h: timeFilterH,
      mode: mode,
      crews: {},
      events: {},
      means: {},
      perimeters: [],
      layers: {},
      danger_layers: groups.danger ? groups.danger.getLayers().length : 0,
      hazards: Array.from(hazards.keys())
    };
    crews.forEach(function (c) {
      out.crews[c.id] = { lat: c.lat, lon: c.lon, status: c.s, heading: c.h, event_id: c.e || null };
    });
    events.forEach(function (e) {
      out.events[e.id] = {
        lat: e.lat,
        lon: e.lon,
        category: e.cat,
        family: family(e.cat),
        gravity: e.g,
        status: e.st,
        visible: visibleEvent(e)
      };
    });
    means.forEach(function (p) {
      out.means[p.id] = { lat: p.lat, lon: p.lon, means: p.kind, label: p.label };
    });
    perims.forEach(function (p) {
      out.perimeters.push(p.data);
    });
    Object.keys(groups).forEach(function (k) {
      out.layers[k] = map.hasLayer(groups[k]);
    });
    out.layers.crews = show.crews;
    out.layers.events = show.events;
    out.layers.means = show.means;
    if (draft && mode === 'measure') out.measure_m = draft.total;
    out.draw_order = drawOrder()
      .filter(function (e) {
        return e.vis !== false;
      })
      .map(function (e) {
        return e.id;
      });
    out.legend_open = legendOpen;
    out.choro = choroState();
    out.label_overlaps = S.labelOverlaps();
    out.labels_hidden = 0;
    groups.labels.eachLayer(function (mk) {
      var el = mk.getElement();
      if (el && el.firstChild && el.firstChild.style.visibility === 'hidden') out.labels_hidden += 1;
    });
    var scale = document.querySelector('.leaflet-control-scale');
    out.scale_text = scale ? scale.innerText : '';
    var attr = document.querySelector('.leaflet-control-attribution');
    out.attribution = attr ? attr.innerText : '';
    out.attribution_height = attr ? attr.getBoundingClientRect().height : 0;
    return out;
  };

  // -- right click, drawing and measuring --------------------------------------------------

  S.simulateContextMenu = function (lat, lon) {
    var ll = L.latLng(lat, lon);
    if (!map.getBounds().contains(ll)) map.setView(ll, map.getZoom(), { animate: false });
    var p = map.latLngToContainerPoint(ll);
    var rect = map.getContainer().getBoundingClientRect();
    var x = rect.left + p.x;
    var y = rect.top + p.y;
    var target = document.elementFromPoint(x, y) || map.getContainer();
    target.dispatchEvent(
      new MouseEvent('contextmenu', { bubbles: true, cancelable: true, clientX: x, clientY: y, button: 2, buttons: 2, view: window })
    );
    return true;
  };

  function metres(a, b) {
    return map.distance(a, b);
  }

  function fmt(m) {
    return m >= 1000 ? (m / 1000).toFixed(2).replace('.', ',') + ' km' : Math.round(m) + ' m';
  }

  function endMode(cancelled) {
    if (!draft) {
      mode = null;
      return;
    }
    if (mode === 'polygon') {
      map.removeLayer(draft.line);
      if (!cancelled && draft.points.length >= 3) {
        post({
          t: 'polygon',
          points: draft.points.map(function (q) {
            return [q.lng, q.lat];
          })
        });
      } else if (!cancelled) {
        post({ t: 'notice', level: 'warning', text: 'Un périmètre doit avoir au moins trois sommets.' });
      }
    } else if (mode === 'measure' && cancelled) {
      map.removeLayer(draft.line);
      map.removeLayer(draft.tip);
    }
    if (mode === 'measure' && !cancelled) {
      draft.done = true;
    }
    map.doubleClickZoom.enable();
    map.getContainer().style.cursor = '';
    mode = null;
    if (cancelled || !draft.done) draft = null;
  }

  S.startPolygon = function (lat, lon) {
    endMode(true);
    mode = 'polygon';
    draft = {
      points: [L.latLng(lat, lon)],
      line: L.polyline([[lat, lon]], { pane: 'scopPerimeters', color: '#c62828', dashArray: '4 4', weight: 2 }).addTo(map)
    };
    map.doubleClickZoom.disable();
    map.getContainer().style.cursor = 'crosshair';
    post({ t: 'notice', level: 'info', text: 'Périmètre : cliquez les sommets, double-clic pour terminer, Échap pour annuler.' });
  };

  S.addVertex = function (lat, lon) {
    if (mode !== 'polygon') return false;
    draft.points.push(L.latLng(lat, lon));
    draft.line.setLatLngs(draft.points);
    return true;
  };

  S.finishDrawing = function () {
    endMode(false);
  };

  S.cancelDrawing = function () {
    endMode(true);
  };

  S.startMeasure = function (lat, lon) {
    if (draft && draft.done) {
      map.removeLayer(draft.line);
      map.removeLayer(draft.tip);
    }
    endMode(true);
    mode = 'measure';
    var start = L.latLng(lat, lon);
    draft = {
      points: [start],
      total: 0,
      line: L.polyline([start], { pane: 'scopPerimeters', color: '#1565c0', weight: 3, dashArray: '2 6' }).addTo(map),
      tip: L.tooltip({ permanent: true, direction: 'right', className: 'scop-measure' }).setLatLng(start).setContent('0 m').addTo(map)
    };
    map.doubleClickZoom.disable();
    map.getContainer().style.cursor = 'crosshair';
    post({ t: 'notice', level: 'info', text: 'Mesure : cliquez pour ajouter un point, double-clic pour terminer, Échap pour effacer.' });
  };

  S.measureTo = function (lat, lon, commit) {
    if (mode !== 'measure') return null;
    var p = L.latLng(lat, lon);
    var pts = draft.points.concat([p]);
    var total = 0;
    for (var i = 1; i < pts.length; i++) total += metres(pts[i - 1], pts[i]);
    draft.line.setLatLngs(pts);
    draft.tip.setLatLng(p).setContent(fmt(total));
    if (commit) {
      draft.points.push(p);
      draft.total = total;
    }
    return total;
  };

  // Folded to one line by a click on its title; a map shorter than 600 px starts folded.
  var legendOpen = true;
  var Legend = L.Control.extend({
    options: { position: 'bottomleft' },
    onAdd: function () {
      var div = L.DomUtil.create('div', 'scop-legend');
      var sym = { circle: '●', triangle: '▲', diamond: '◆', square: '■', cross: '✚' };
      var rows = Object.keys(STATUS).map(function (k) {
        var st = STATUS[k];
        return '<span style="color:' + st.colour + '">' + sym[st.shape] + '</span> ' + st.label;
      });
      div.innerHTML =
        '<a href="#" class="scop-legend-toggle" title="Replier ou déplier la légende">Légende</a>' +
        '<div class="scop-legend-body"><b>Équipages</b> ' + rows.join(' &nbsp;') +
        '<br><b>Événements</b> losange coloré par famille (F incendie, O ordre public, T transport…),' +
        ' halo : gravité élevée / <span style="color:#c62828">critique</span></div>';
      var toggle = div.querySelector('.scop-legend-toggle');
      L.DomEvent.on(toggle, 'click', function (e) {
        L.DomEvent.preventDefault(e);
        S.setLegendOpen(!legendOpen);
      });
      L.DomEvent.disableClickPropagation(div);
      legendDiv = div;
      return div;
    }
  });
  var legendDiv = null;

  S.setLegendOpen = function (open) {
    legendOpen = !!open;
    if (legendDiv) L.DomUtil[legendOpen ? 'removeClass' : 'addClass'](legendDiv, 'scop-folded');
    return legendOpen;
  };

  // -- labels that markers do not hide -------------------------------------------------------

  // The sector labels sit above the live layer (crews, events) with a white halo, and move
  // below a mairie icon or another label they would overlap.

  function boxOf(el) {
    var r = el.getBoundingClientRect();
    return { l: r.left, t: r.top, r: r.right, b: r.bottom };
  }

  function overlap(a, b) {
    return a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b;
  }

  function declutter() {
    if (!map.hasLayer(groups.labels)) return;
    var icons = [];
    if (map.hasLayer(groups.mairies)) {
      groups.mairies.eachLayer(function (mk) {
        var el = mk.getElement();
        if (el) icons.push(boxOf(el));
      });
    }
    // in order: each label keeps clear of the mairies and of the labels placed before it
    groups.labels.eachLayer(function (mk) {
      var el = mk.getElement();
      var span = el && el.firstChild;
      if (!span) return;
      span.style.marginTop = '0px';
      span.style.visibility = '';
      var box = boxOf(span);
      var hit = null;
      for (var pass = 0; pass < 3; pass++) {
        hit = icons.filter(function (i) {
          return overlap(box, i);
        })[0];
        if (!hit) break;
        span.style.marginTop = parseFloat(span.style.marginTop) + (hit.b - box.t) + 1 + 'px';
        box = boxOf(span);
      }
      // a label that cannot be placed near its sector is left out rather than stacked
      if (hit || parseFloat(span.style.marginTop) > box.b - box.t + 6) {
        span.style.visibility = 'hidden';
        return;
      }
      icons.push(box);
    });
  }

  S.labelOverlaps = function () {
    var icons = [];
    groups.mairies.eachLayer(function (mk) {
      if (mk.getElement()) icons.push(boxOf(mk.getElement()));
    });
    var n = 0;
    groups.labels.eachLayer(function (mk) {
      var el = mk.getElement();
      if (!el || !el.firstChild || el.firstChild.style.visibility === 'hidden') return;
      var box = boxOf(el.firstChild);
      icons.forEach(function (i) {
        if (overlap(box, i)) n += 1;
      });
      icons.push(box);
    });
    return n;
  };

  // -- start ------------------------------------------------------------------------------

  var PARIS = [
    [48.8156, 2.2241],
    [48.9022, 2.4698]
  ];

  S.init = function (m, opts) {
    map = m;
    opts = opts || {};
    var z = {
      scopBase: 380,
      scopChoro: 385,
      scopStreets: 390,
      scopPerimeters: 450,
      scopMairies: 460,
      scopLive: 620,
      scopLabels: 630,
      scopChoroLabels: 635
    };
    Object.keys(z).forEach(function (name) {
      var pane = map.createPane(name);
      pane.style.zIndex = z[name];
      if (name === 'scopLabels' || name === 'scopStreets' || name === 'scopChoroLabels') pane.style.pointerEvents = 'none';
    });
    map.getContainer().style.background = '#e4e0d8';
    // One short line; the full sources are in its tooltip and in resources/geo/LICENCES.md.
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(
      '<span title="' + esc((GEO.meta && GEO.meta.attribution) || '') + ' — Leaflet">© Ville de Paris (ODbL) · BAN (LO 2.0)</span>'
    );
    L.control.scale({ metric: true, imperial: false, position: 'bottomright' }).addTo(map);
    buildBase();

    groups.perimeters = L.layerGroup().addTo(map);
    groups.hazards = L.layerGroup().addTo(map);
    groups.danger = L.layerGroup().addTo(map);
    live = new Live();
    live.addTo(map);
    setInterval(function () {
      if (watched) live.redraw();
    }, 500);

    var bases = { 'Plan hors ligne (Ville de Paris)': L.layerGroup().addTo(map) };
    if (opts.tile_url) {
      bases['Fond de carte configuré'] = L.tileLayer(opts.tile_url, {
        maxZoom: 19,
        attribution: opts.tile_attribution || ''
      });
    }
    if (opts.mbtiles) {
      bases['MBTiles local — ' + opts.mbtiles.name] = L.tileLayer(opts.mbtiles.url, {
        maxZoom: 19,
        minZoom: opts.mbtiles.minzoom || 0,
        maxNativeZoom: opts.mbtiles.maxzoom || 19,
        attribution: opts.mbtiles.attribution || ''
      });
    }
    var overlays = {
      'Arrondissements': groups.arr,
      'Quartiers': groups.qu,
      'Noms des secteurs': groups.labels,
      'Voies (zoom ≥ 15)': new Toggle(
        function () {
          streetsOn = true;
          updateZoomLayers();
        },
        function () {
          streetsOn = false;
          updateZoomLayers();
        }
      ),
      'Seine et canaux': groups.water,
      'Dangers signalés': groups.hazards,
      "Mairies d'arrondissement": groups.mairies,
      'Équipages': new Toggle(
        function () {
          show.crews = true;
          live.redraw();
        },
        function () {
          show.crews = false;
          live.redraw();
        }
      ),
      'Événements': new Toggle(
        function () {
          show.events = true;
          live.redraw();
        },
        function () {
          show.events = false;
          live.redraw();
        }
      ),
      'Périmètres': groups.perimeters,
      "Carte de l'observatoire (comptes par zone)": (choro.layer = new ChoroLayer()),
      'Moyens (C.A.RE, VPU)': new Toggle(
        function () {
          show.means = true;
          live.redraw();
        },
        function () {
          show.means = false;
          live.redraw();
        }
      )
    };
    ['Voies (zoom ≥ 15)', 'Équipages', 'Événements', 'Moyens (C.A.RE, VPU)'].forEach(function (k) {
      overlays[k].addTo(map);
    });
    L.control.layers(bases, overlays, { collapsed: true, position: 'topright' }).addTo(map);
    new Legend().addTo(map);
    S.setLegendOpen(map.getSize().y >= 600);
    map.on('zoomend moveend resize overlayadd', declutter);
    setTimeout(declutter, 0);
    var stopAutoFit = function () {
      autoFit = false;
    };
    map.getContainer().addEventListener('mousedown', stopAutoFit);
    map.getContainer().addEventListener('wheel', stopAutoFit);
    map.on('resize', function () {
      if (autoFit) map.fitBounds(PARIS, { animate: false, padding: [4, 4] });
      live.redraw();
    });
    map.on('baselayerchange', function (e) {
      var tiles = e.layer instanceof L.TileLayer;
      arrLayers.forEach(function (l) {
        l.setStyle({ fillOpacity: tiles ? 0.08 : 1 });
      });
      groups.water.eachLayer(function (l) {
        l.setStyle({ fillOpacity: tiles ? 0.2 : 1 });
      });
    });
    map.on('zoomend overlayadd overlayremove', updateZoomLayers);

    map.on('click', function (e) {
      if (mode === 'polygon') {
        S.addVertex(e.latlng.lat, e.latlng.lng);
        return;
      }
      if (mode === 'measure') {
        S.measureTo(e.latlng.lat, e.latlng.lng, true);
        return;
      }
      var h = hit(e.containerPoint);
      if (h) {
        if (h.kind === 'crew') sel.crew = h.id;
        else sel.event = h.id;
        live.redraw();
        post({ t: 'select', kind: h.kind, id: h.id });
      }
    });
    map.on('dblclick', function () {
      if (mode) endMode(false);
    });
    var hover = L.tooltip({ direction: 'top', offset: [0, -10], className: 'scop-hover' });
    var hoverQueued = null;
    var GRAVITY_LABEL = { 1: 'faible', 2: 'moyenne', 3: 'élevée', 4: 'critique' };
    function showHover() {
      var e = hoverQueued;
      hoverQueued = null;
      var h = hit(e.containerPoint);
      map.getContainer().style.cursor = h ? 'pointer' : '';
      var area = h ? null : choroAt(e.originalEvent.clientX, e.originalEvent.clientY);
      if (area) {
        hover.setLatLng(e.latlng).setContent('<b>' + esc(area.name) + '</b> : ' + area.n + ' événement' + (area.n > 1 ? 's' : ''));
        if (!map.hasLayer(hover)) map.openTooltip(hover);
        return;
      }
      if (!h) {
        map.closeTooltip(hover);
        return;
      }
      var html;
      var at;
      if (h.kind === 'crew') {
        var c = crews.get(h.id);
        html = '<b>' + esc(c.id) + '</b> — ' + esc((STATUS[c.s] || { label: c.s }).label) + (c.e ? ' (' + esc(c.e) + ')' : '') + (overdue(c) ? '<br><b style="color:#c62828">fin de service prévue dépassée</b>' : '');
        if (c.tm) html += '<br>depuis ' + esc(c.tm) + (c.w === 'red' ? ' — <b style="color:#b71c1c">point de situation en retard</b>' : c.w === 'check' ? ' — <b style="color:#ef6c00">point de situation à faire</b>' : '');
        at = [c.lat, c.lon];
      } else {
        var ev = events.get(h.id);
        html = '<b>' + esc(ev.id) + '</b> — ' + esc(ev.t) + '<br>gravité ' + (GRAVITY_LABEL[ev.g] || ev.g);
        at = [ev.lat, ev.lon];
      }
      hover.setLatLng(at).setContent(html);
      if (!map.hasLayer(hover)) map.openTooltip(hover);
    }
    map.on('mousemove', function (e) {
      if (mode === 'measure') S.measureTo(e.latlng.lat, e.latlng.lng, false);
      else if (mode === 'polygon') draft.line.setLatLngs(draft.points.concat([e.latlng]));
      else {
        if (!hoverQueued) L.Util.requestAnimFrame(showHover);
        hoverQueued = e;
      }
    });
    map.on('mouseout', function () {
      map.closeTooltip(hover);
    });
    map.on('contextmenu', function (e) {
      if (mode) {
        endMode(mode === 'polygon' ? false : false);
        return;
      }
      post({ t: 'ctx', lat: e.latlng.lat, lon: e.latlng.lng, x: e.containerPoint.x, y: e.containerPoint.y });
    });
    document.addEventListener('keydown', function (e) {
      if (e.key === 'Escape' && (mode || (draft && draft.done))) {
        if (draft && draft.done) {
          map.removeLayer(draft.line);
          map.removeLayer(draft.tip);
          draft = null;
        }
        endMode(true);
      }
    });
    map.fitBounds(PARIS, { animate: false, padding: [4, 4] });
    ready = typeof L === 'object' && drawn.arrondissements === 20 && drawn.quartiers === 80;
    post({ t: 'ready', ok: ready, drawn: drawn });
  };
})();
