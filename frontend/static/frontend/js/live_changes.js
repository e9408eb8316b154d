// Live figures for the leaders' pages (the dashboard, the leader's home): /api/v1/events says an officer saved an
// edit in the reader's wards (gisportal/events.py), and the page reloads its figures once per burst of saves.
// `live` is the element that says the page is live, and when it last updated (data-updates counts the reloads).

const _ = (s) => (window.gettext ? window.gettext(s) : s);
const english = document.documentElement.lang === "en";
const BURST_MS = 150; // the saves of one statement or one import arrive together: one reload for them all

export function followChanges(reload, live) {
  if (!window.EventSource) return null;
  let timer = null;
  const events = new EventSource("/api/v1/events");
  events.addEventListener("open", () => {
    live.textContent = _("Live");
  });
  const refresh = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      await reload();
      live.dataset.updates = String(Number(live.dataset.updates || 0) + 1);
      live.textContent = `${_("Live")} · ${_("updated")} ${new Date().toLocaleTimeString(english ? "en" : "vi")}`;
    }, BURST_MS);
  };
  events.addEventListener("change", refresh);
  events.addEventListener("resync", refresh);
  return events;
}
