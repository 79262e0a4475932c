/** Draws a flow graph as SVG for the monitor page (`window.routiluxDiagram(graph)`). */
export const DIAGRAM_SCRIPT = String.raw`'use strict';
// Draws a flow's routines and connections as SVG, in layers from the entry routines; all text via textContent.
window.routiluxDiagram = function (graph) {
  var NS = 'http://www.w3.org/2000/svg';
  var W = 170, H = 46, GAP_X = 90, GAP_Y = 26;
  var ids = graph.routines.map(function (r) { return r.id; });
  var layer = {};
  ids.forEach(function (id) { layer[id] = 0; });
  // Longest path from a source, relaxed at most once per routine so cycles end.
  for (var pass = 0; pass < ids.length; pass++) {
    var changed = false;
    graph.connections.forEach(function (c) {
      if (c.from !== c.to && layer[c.to] < layer[c.from] + 1 && layer[c.from] + 1 < ids.length) { layer[c.to] = layer[c.from] + 1; changed = true; }
    });
    if (!changed) break;
  }
  var rows = {}, pos = {};
  ids.forEach(function (id) {
    var l = layer[id];
    rows[l] = (rows[l] || 0) + 1;
    pos[id] = { x: 10 + l * (W + GAP_X), y: 10 + (rows[l] - 1) * (H + GAP_Y) };
  });
  var width = 20 + (Math.max.apply(null, ids.map(function (id) { return layer[id]; }).concat([0])) + 1) * (W + GAP_X);
  var height = 20 + Math.max.apply(null, Object.keys(rows).map(function (k) { return rows[k]; }).concat([1])) * (H + GAP_Y);
  function node(tag, attrs, text) {
    var n = document.createElementNS(NS, tag);
    Object.keys(attrs).forEach(function (k) { n.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) n.textContent = text;
    return n;
  }
  var svg = node('svg', { width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, role: 'img' });
  graph.connections.forEach(function (c) {
    var a = pos[c.from], b = pos[c.to];
    if (!a || !b) return;
    var x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
    svg.appendChild(node('line', { x1: x1, y1: y1, x2: x2, y2: y2 }));
    svg.appendChild(node('circle', { cx: x2, cy: y2, r: 3, fill: '#8a94a8' }));
    svg.appendChild(node('text', { x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 4, 'text-anchor': 'middle', class: 'label' }, c.event + ' → ' + c.slot));
  });
  graph.routines.forEach(function (r) {
    var p = pos[r.id];
    var g = node('g', { 'data-routine': r.id });
    g.appendChild(node('rect', { x: p.x, y: p.y, width: W, height: H, rx: 6 }));
    g.appendChild(node('text', { x: p.x + 8, y: p.y + 18 }, r.id));
    g.appendChild(node('text', { x: p.x + 8, y: p.y + 36, class: 'label' }, (r.type ? r.type + ' · ' : '') + 'in: ' + r.slots.join(', ')));
    svg.appendChild(g);
  });
  return svg;
};
`;
