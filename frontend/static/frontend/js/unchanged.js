// Both map editors' rule that Lưu with nothing changed sends nothing and says so (the server makes no version of
// such a save either: gisportal/changes.py), and that a point or shape the officer did not move goes back as read.

// Looked up at each call: a module can be evaluated before the /jsi18n/ catalogue script has run.
const _ = (s) => (window.gettext ? window.gettext(s) : s);

export const nothingToSave = () => _("Nothing to save.");

// Form values and read values alike: empty is empty, numbers by value ("150000.00" is 150000), text as typed.
const blank = (v) => v === null || v === undefined || v === "";
export const same = (a, b) => (blank(a) || blank(b) ? blank(a) && blank(b)
  : typeof a === "number" ? a === Number(b) : String(a) === String(b));

/** Whether any of the form's values differs from the one read. */
export const changedAny = (values, read) => Object.keys(values).some((name) => !same(values[name], read[name]));

// Leaflet's toGeoJSON() keeps 6 decimals: a geometry is compared at that precision.
const rounded = (geometry) => JSON.stringify(geometry.coordinates, (k, v) => (typeof v === "number" ? +v.toFixed(6) : v));
export const sameGeometry = (a, b) => rounded(a) === rounded(b);
