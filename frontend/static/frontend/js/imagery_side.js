// Side by side: a second map next to the page's own, their views locked together, and a cross on each map where
// the pointer is on the other, so one structure can be pointed at in both years.
import { addBasemap } from "./basemap.js";

// Each map follows the other's centre and zoom while `link.on` (not while the second map is hidden). The guard
// stops the follower's own move from echoing back while it is being set; the equality check stops the echo that
// comes later, when an animation ends.
function lockViews(a, b, link) {
  let busy = false;
  const same = (from, to) =>
    to.getZoom() === from.getZoom() && to.latLngToContainerPoint(from.getCenter()).distanceTo(to.getSize().divideBy(2)) < 0.5;
  const follow = (from, to) => () => {
    if (busy || !link.on || same(from, to)) return;
    busy = true;
    try {
      to.setView(from.getCenter(), from.getZoom(), { animate: false });
    } finally {
      busy = false;
    }
  };
  // A wheel or button zoom animates: the other map animates to the same target at once rather than jumping
  // to it a quarter of a second later.
  const zoomWith = (to) => (e) => {
    if (busy || !link.on) return;
    busy = true;
    try {
      to.setView(e.center, e.zoom, { animate: true });
    } finally {
      busy = false;
    }
  };
  a.on("move zoom", follow(a, b));
  b.on("move zoom", follow(b, a));
  a.on("zoomanim", zoomWith(b));
  b.on("zoomanim", zoomWith(a));
}

// A click as well as a hover: a phone has no pointer to follow, but a tap marks the spot on the other map.
function mirrorPointer(from, to, link) {
  const cross = L.marker([0, 0], {
    icon: L.divIcon({ className: "mirror-cursor", iconSize: [28, 28] }),
    interactive: false,
    keyboard: false,
  });
  from.on("mousemove click", (e) => link.on && cross.setLatLng(e.latlng).addTo(to));
  from.on("mouseout", () => cross.remove());
  return cross;
}

// The epoch a map shows, written on it: on a phone the two maps are one above the other, not left and right.
function epochTag() {
  const tag = L.control({ position: "bottomleft" });
  tag.onAdd = () => L.DomUtil.create("div", "epoch-tag");
  tag.say = (text) => {
    tag.getContainer().textContent = text;
  };
  return tag;
}

/** The second map, in `el` (shown by now), at `main`'s view and locked to it until `unlink()`. */
export function twinMap(main, el) {
  const twin = L.map(el, { maxZoom: 22 }).setView(main.getCenter(), main.getZoom(), { animate: false });
  addBasemap(twin);
  const link = { on: true };
  lockViews(main, twin, link);
  const crosses = [mirrorPointer(main, twin, link), mirrorPointer(twin, main, link)];
  const tags = [epochTag(), epochTag()];
  return {
    map: twin,
    // After `el` is shown again: its size is new, its view the main map's.
    relink() {
      twin.invalidateSize({ pan: false });
      twin.setView(main.getCenter(), main.getZoom(), { animate: false });
      link.on = true;
    },
    unlink() {
      link.on = false;
      crosses.forEach((c) => c.remove());
      tags.forEach((t) => t.remove());
    },
    label(leftText, rightText) {
      tags[0].addTo(main).say(leftText);
      tags[1].addTo(twin).say(rightText);
    },
  };
}
