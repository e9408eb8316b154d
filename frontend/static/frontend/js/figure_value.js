// A leader's figure as the pages print it (frontend/leader_home.html prints the same from the server): a count,
// "count / of" (problems among house numbers), "—" when withheld, or a pointer to the report when not counted.

const _ = (s) => (window.gettext ? window.gettext(s) : s);
const number = new Intl.NumberFormat(document.documentElement.lang === "en" ? "en" : "vi");

export function showFigure(v) {
  if (v?.hidden) return "—"; // withheld: a small count could single a family out
  if (!v || v.count === null) return _("see the report");
  return v.of === null ? number.format(v.count) : `${number.format(v.count)} / ${number.format(v.of)}`;
}

export const WITHHELD = () => _("Withheld: a small count could single a family out");
