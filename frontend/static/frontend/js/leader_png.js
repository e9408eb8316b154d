// PNG of the dashboard's choropleth, drawn into a canvas here (no basemap, no library): the areas' shapes (wards or
// khu phố, the admin units as the portal's OGC API serves them) in Web Mercator filled with their class colours, the
// title and the legend. Tiles from other servers would taint a canvas; the shapes are the portal's own and are all
// that the map's figures say.

const WIDTH = 1200;
const HEIGHT = 800;
const MARGIN = 30;
const LEGEND_W = 300;

function mercator([lon, lat]) {
  const y = Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360));
  return [(lon * Math.PI) / 180, y];
}

function rings(geometry) {
  if (!geometry) return [];
  if (geometry.type === "Polygon") return [geometry.coordinates];
  if (geometry.type === "MultiPolygon") return geometry.coordinates;
  return [];
}

export function drawChoropleth(canvas, { outlines, title, colour, legend }) {
  canvas.width = WIDTH;
  canvas.height = HEIGHT;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, WIDTH, HEIGHT);
  const polygons = outlines.features.map((f) => ({
    id: f.id,
    polygons: rings(f.geometry).map((p) => p.map((r) => r.map(mercator))),
  }));
  // Loops, not Math.min(...points): a ward's outline can hold more points than a call takes arguments.
  const box = { x0: Infinity, x1: -Infinity, y0: Infinity, y1: -Infinity };
  for (const f of polygons) {
    for (const p of f.polygons) {
      for (const r of p) {
        for (const [x, y] of r) {
          box.x0 = Math.min(box.x0, x);
          box.x1 = Math.max(box.x1, x);
          box.y0 = Math.min(box.y0, y);
          box.y1 = Math.max(box.y1, y);
        }
      }
    }
  }
  const top = MARGIN + 40;
  const width = WIDTH - LEGEND_W - 2 * MARGIN;
  const height = HEIGHT - top - MARGIN;
  const scale = Math.min(width / (box.x1 - box.x0 || 1), height / (box.y1 - box.y0 || 1));
  const at = ([x, y]) => [MARGIN + (x - box.x0) * scale, top + (box.y1 - y) * scale];
  for (const f of polygons) {
    ctx.beginPath();
    for (const polygon of f.polygons) {
      for (const ring of polygon) {
        ring.forEach((point, i) => (i ? ctx.lineTo(...at(point)) : ctx.moveTo(...at(point))));
        ctx.closePath();
      }
    }
    ctx.fillStyle = colour(f.id);
    ctx.fill("evenodd");
    ctx.strokeStyle = "#444444";
    ctx.lineWidth = 1;
    ctx.stroke();
  }
  ctx.fillStyle = "#000000";
  ctx.font = "bold 22px sans-serif";
  ctx.fillText(title, MARGIN, MARGIN + 16);
  ctx.font = "16px sans-serif";
  let y = top + 10;
  const x = WIDTH - LEGEND_W;
  for (const row of legend) {
    ctx.fillStyle = row.colour;
    ctx.fillRect(x, y, 24, 16);
    ctx.strokeStyle = "#999999";
    ctx.strokeRect(x, y, 24, 16);
    ctx.fillStyle = "#000000";
    ctx.fillText(row.text, x + 34, y + 13);
    y += 26;
  }
  ctx.font = "12px sans-serif";
  ctx.fillStyle = "#555555";
  ctx.fillText(new Date().toLocaleString(document.documentElement.lang || "vi"), MARGIN, HEIGHT - 10);
  return canvas;
}

export function downloadPng(spec) {
  const canvas = drawChoropleth(document.createElement("canvas"), spec);
  canvas.toBlob((blob) => {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "ban-do-phuong.png";
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }, "image/png");
}
