#!/usr/bin/env node
// Regenerates crates/enlace-app/data/boundaries.txt, the country boundaries that the route map
// (crates/enlace-app/src/routes.rs, `map_svg`) draws. Run by hand (Node 20), not in CI:
//
//   node scripts/boundaries.mjs
//
// Source: Natural Earth 1:50m admin-0 countries (public domain), as TopoJSON in the npm package
// world-atlas@2.0.2 (countries-50m.json), turned into GeoJSON by topojson-client@3.1.0. Both are
// installed into a throwaway temporary folder, the equivalent of
//   npm install --no-save --prefix "$TMP" world-atlas@2.0.2 topojson-client@3.1.0
// and removed afterwards, so no node_modules ever lands in the repository. Pass `--keep` to
// keep that folder (its path is printed), or `--from DIR` to reuse an existing install.
//
// What it keeps: every country with land inside the map window (lon -125..-55, lat 0..55), its
// rings clipped to the window plus a 1° margin (so the cut edges fall outside the drawn area),
// coordinates rounded to 2 decimals, consecutive duplicate points (and, if MIN_STEP > 0,
// points closer than MIN_STEP degrees to the previous kept one) dropped, rings left with fewer
// than 3 distinct points (4 with the closing point) dropped. The output is sorted by code, so a rerun
// with the same inputs gives the same file.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const WINDOW = { lon0: -125, lon1: -55, lat0: 0, lat1: 55 };
const MARGIN = 1;
// No simplification: clipped 1:50m is about 125 KB. Should the window grow, a step of 0.05°
// (about 0.6 px on the 900 px map) shrinks it by a fifth but drops the smallest islands.
const MIN_STEP = 0;
const MEMBERS = ["bz", "ca", "cr", "do", "sv", "gt", "hn", "mx", "ni", "pa", "us"];

// ISO 3166-1 numeric (the feature id in world-atlas) to lower-case alpha-2, for every country
// that has land in the window. An unknown id inside the window stops the script, so a new data
// version cannot silently drop a country.
const ISO2 = {
  "028": "ag", "044": "bs", "052": "bb", "060": "bm", "076": "br", "084": "bz", "092": "vg",
  "124": "ca", "136": "ky", "170": "co", "188": "cr", "192": "cu", "212": "dm", "214": "do",
  "218": "ec", "222": "sv", "250": "fr", "304": "gl", "308": "gd", "320": "gt", "328": "gy",
  "332": "ht", "340": "hn", "388": "jm", "484": "mx", "500": "ms", "528": "nl", "531": "cw",
  "533": "aw", "534": "sx", "558": "ni", "591": "pa", "630": "pr", "652": "bl", "659": "kn",
  "660": "ai", "662": "lc", "663": "mf", "666": "pm", "670": "vc", "740": "sr", "780": "tt",
  "796": "tc", "840": "us", "850": "vi", "862": "ve",
};

const args = process.argv.slice(2);
const here = path.dirname(fileURLToPath(import.meta.url));
const outFile = path.join(here, "..", "crates", "enlace-app", "data", "boundaries.txt");

let dir;
let cleanup = false;
const fromAt = args.indexOf("--from");
if (fromAt >= 0 && args[fromAt + 1]) {
  dir = path.resolve(args[fromAt + 1]);
} else {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "enlace-boundaries-"));
  cleanup = !args.includes("--keep");
  execFileSync(
    "npm",
    ["install", "--no-save", "--no-audit", "--no-fund", "--prefix", dir,
      "world-atlas@2.0.2", "topojson-client@3.1.0"],
    { stdio: "inherit" },
  );
}

try {
  const require = createRequire(path.join(dir, "node_modules", "x.js"));
  const { feature } = require("topojson-client");
  const topo = JSON.parse(
    fs.readFileSync(path.join(dir, "node_modules", "world-atlas", "countries-50m.json"), "utf8"),
  );
  const countries = feature(topo, topo.objects.countries).features;

  const rows = [];
  let points = 0;
  for (const f of countries) {
    if (!f.geometry) continue;
    const polys = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
    const rings = [];
    for (const poly of polys) {
      for (const ring of poly) {
        if (!touchesWindow(ring)) continue;
        const r = tidy(clip(ring));
        if (r) rings.push(r);
      }
    }
    if (rings.length === 0) continue;
    const code = ISO2[f.id];
    if (!code) throw new Error(`no ISO alpha-2 code for id ${f.id} (${f.properties.name})`);
    const name = String(f.properties.name).replace(/[\t\n;]/g, " ");
    points += rings.reduce((n, r) => n + r.length, 0);
    rows.push([code, name, rings.map((r) => r.map(([x, y]) => `${num(x)},${num(y)}`).join(" ")).join(";")]);
  }
  rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const missing = MEMBERS.filter((m) => !rows.some((r) => r[0] === m));
  if (missing.length) throw new Error(`member countries missing: ${missing.join(" ")}`);

  const header = [
    "# Country boundaries for the Enlace route map (crates/enlace-app/src/routes.rs, map_svg).",
    "# Source: Natural Earth 1:50m admin-0 countries (public domain, naturalearthdata.com),",
    "# via the npm package world-atlas@2.0.2 (countries-50m.json) and topojson-client@3.1.0.",
    `# Kept: countries with land in lon ${WINDOW.lon0}..${WINDOW.lon1}, lat ${WINDOW.lat0}..${WINDOW.lat1};`,
    `# rings clipped to that window plus a ${MARGIN} degree margin, coordinates rounded to 2 decimals,`,
    MIN_STEP > 0
      ? `# points closer than ${MIN_STEP} degrees to the previous kept point dropped.`
      : "# repeated points dropped, otherwise not simplified.",
    "# Regenerate (Node 20, by hand): node scripts/boundaries.mjs",
    "# Format: one country a line, three fields separated by a tab:",
    "#   ISO 3166-1 alpha-2 code (lower case) <TAB> English name <TAB> rings",
    "# rings are separated by ';', each ring is 'lon,lat lon,lat ...' (degrees, WGS84), closed",
    "# implicitly (the last point joins the first). Holes are rings too: draw with even-odd fill.",
    "# Lines starting with '#' and blank lines are comments.",
  ];
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, header.join("\n") + "\n" + rows.map((r) => r.join("\t")).join("\n") + "\n");
  const size = fs.statSync(outFile).size;
  console.log(`wrote ${outFile}: ${rows.length} countries, ${points} points, ${size} bytes`);
} finally {
  if (cleanup) fs.rmSync(dir, { recursive: true, force: true });
  else console.log(`npm packages kept in ${dir}`);
}

// Whether any point of the ring lies in the window, or its bounding box overlaps it (a ring can
// cross the window with no vertex inside).
function touchesWindow(ring) {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of ring) {
    x0 = Math.min(x0, x); x1 = Math.max(x1, x);
    y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  }
  return x1 >= WINDOW.lon0 && x0 <= WINDOW.lon1 && y1 >= WINDOW.lat0 && y0 <= WINDOW.lat1;
}

// Sutherland–Hodgman clipping of one ring against the window grown by MARGIN. The result may
// run along the clip edge, which lies outside the drawn area, so that is harmless.
function clip(ring) {
  const b = {
    lon0: WINDOW.lon0 - MARGIN, lon1: WINDOW.lon1 + MARGIN,
    lat0: WINDOW.lat0 - MARGIN, lat1: WINDOW.lat1 + MARGIN,
  };
  const edges = [
    [(p) => p[0] >= b.lon0, (p, q) => cut(p, q, 0, b.lon0)],
    [(p) => p[0] <= b.lon1, (p, q) => cut(p, q, 0, b.lon1)],
    [(p) => p[1] >= b.lat0, (p, q) => cut(p, q, 1, b.lat0)],
    [(p) => p[1] <= b.lat1, (p, q) => cut(p, q, 1, b.lat1)],
  ];
  let pts = ring.slice(0, -1); // GeoJSON rings repeat the first point at the end
  for (const [inside, at] of edges) {
    const out = [];
    for (let i = 0; i < pts.length; i++) {
      const p = pts[i];
      const q = pts[(i + 1) % pts.length];
      if (inside(p)) {
        out.push(p);
        if (!inside(q)) out.push(at(p, q));
      } else if (inside(q)) {
        out.push(at(p, q));
      }
    }
    pts = out;
    if (pts.length === 0) break;
  }
  return pts;
}

function cut(p, q, axis, v) {
  const t = (v - p[axis]) / (q[axis] - p[axis]);
  const r = [p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])];
  r[axis] = v;
  return r;
}

// Rounds, drops duplicates and near-duplicates, and rejects rings too small to draw.
function tidy(pts) {
  const out = [];
  for (const [x, y] of pts) {
    const p = [Math.round(x * 100) / 100, Math.round(y * 100) / 100];
    const last = out[out.length - 1];
    if (last && Math.hypot(p[0] - last[0], p[1] - last[1]) < Math.max(MIN_STEP, 1e-9)) continue;
    out.push(p);
  }
  while (out.length > 1) {
    const [a, z] = [out[0], out[out.length - 1]];
    if (Math.hypot(a[0] - z[0], a[1] - z[1]) < Math.max(MIN_STEP, 1e-9)) out.pop();
    else break;
  }
  if (out.length < 3) return null;
  // A ring left only in the margin is never seen.
  return touchesWindow(out) ? out : null;
}

// Shortest text for a value already rounded to 2 decimals: -88.2 rather than -88.20.
function num(v) {
  return String(Number(v.toFixed(2)));
}
