// The sandbox's drawn map: a plain grid with a few roads and the squad's places, no tiles
// and nothing from outside. A spot is x from west (0) to east (1) and y from north (0) to
// south (1); the page never sees coordinates.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const MAP_W = 300;
const MAP_H = 200;

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

function label(text) {
  const node = document.createElement("span");
  node.textContent = text;
  return node;
}

export function drawMap(places, { labels }) {
  const map = svg("svg", { viewBox: `0 0 ${MAP_W} ${MAP_H}`, class: "grid", role: "img" });
  map.append(svg("rect", { x: 0, y: 0, width: MAP_W, height: MAP_H, class: "ground" }));
  for (let i = 1; i < 10; i += 1) {
    map.append(svg("line", { x1: (i * MAP_W) / 10, y1: 0, x2: (i * MAP_W) / 10, y2: MAP_H, class: "street" }));
    map.append(svg("line", { x1: 0, y1: (i * MAP_H) / 10, x2: MAP_W, y2: (i * MAP_H) / 10, class: "street" }));
  }
  for (const x of [0.35, 0.7]) {
    map.append(svg("line", { x1: x * MAP_W, y1: 0, x2: x * MAP_W, y2: MAP_H, class: "road" }));
  }
  for (const y of [0.3, 0.65]) {
    map.append(svg("line", { x1: 0, y1: y * MAP_H, x2: MAP_W, y2: y * MAP_H, class: "road" }));
  }
  for (const place of places) {
    const cx = place.x * MAP_W;
    const cy = place.y * MAP_H;
    map.append(svg("circle", { cx, cy, r: labels ? 5 : 3, class: "place" }));
    if (labels) {
      const label = svg("text", { x: cx + 7, y: cy + 4, class: "label" });
      label.textContent = place.name;
      map.append(label);
    }
  }
  return map;
}

// A location as Telegram shows one: a pin on the map, with ``caption`` under it.
export function pinCard(pin, places, caption) {
  const map = drawMap(places, { labels: false });
  map.classList.add("mini");
  const x = pin.x * MAP_W;
  const y = pin.y * MAP_H;
  map.append(svg("path", {
    d: `M${x} ${y} l-7 -14 a8 8 0 1 1 14 0 z`,
    class: pin.live ? "pin live" : "pin",
  }));
  const card = document.createElement("div");
  card.className = "pincard";
  card.dataset.pin = pin.live ? "live" : "still";
  card.append(map, label(caption));
  return card;
}
