// The language switch's module (it keeps the page's state across the switch), loaded once the page has: no first
// view waits for it. A switch pressed before it came is held until it has (then it saves the form).
const form = document.querySelector("form.lang-switch");
let ready = false;
let loading = null;
const load = () => (loading ||= import("./lang_switch.js").then(() => { ready = true; }));
if (form) {
  form.addEventListener("submit", (ev) => {
    if (ready) return; // lang_switch.js's own handler has it
    ev.preventDefault();
    const button = ev.submitter;
    // Offline or refused: the plain form switch (ready, so this handler lets it through).
    load().then(() => form.requestSubmit(button), () => { ready = true; form.requestSubmit(button); });
  });
}
// When the browser is idle after the load (a map's first tiles come first), or within 3 s.
const idle = () => (window.requestIdleCallback ? requestIdleCallback(load, { timeout: 3000 }) : setTimeout(load, 0));
if (document.readyState === "complete") idle();
else window.addEventListener("load", idle, { once: true });
