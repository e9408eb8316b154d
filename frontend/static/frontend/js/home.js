// Where the public pages open: the portal's home wards (PORTAL_HOME_WARDS, by code), or every ward.
// A portal that also serves a far commune (a forest board's) would otherwise open zoomed out over both.

export function homeBounds(wardLayer) {
  const codes = JSON.parse(document.body.dataset.homeWards || "[]");
  const home = wardLayer.getLayers().filter((l) => codes.includes(l.feature.properties.code));
  return (home.length ? L.featureGroup(home) : wardLayer).getBounds();
}
