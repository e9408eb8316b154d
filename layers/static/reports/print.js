// The sheet's print button (a module, not an onclick attribute: the CSP runs no inline script, gisportal/csp.py).
document.getElementById("print")?.addEventListener("click", () => window.print());
