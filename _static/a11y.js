// Accessibility follow-up to pydata-sphinx-theme's script (README "In a browser"; checked by booktools.browser).
// The theme makes every cell output that scrolls sideways focusable (tabindex 0) so a keyboard can scroll it,
// but gives it no role or name: a screen reader announces an anonymous group (axe: focus-order-semantics).
// Such outputs become regions, named in page order ("Scrollable table 1", ...: landmarks need names of their
// own); outputs that do not scroll are left as they are. The theme re-checks on resize and whenever the page
// changes, so this does too.
(() => {
  "use strict";
  const label = () => {
    let tables = 0, others = 0;
    document.querySelectorAll(".cell_output > .output").forEach((output) => {
      if (output.getAttribute("tabindex") === "0" && (!output.hasAttribute("role") || output.dataset.a11yRegion)) {
        const name = output.querySelector("table") ? `Scrollable table ${++tables}` : `Scrollable output ${++others}`;
        output.setAttribute("role", "region");
        output.setAttribute("aria-label", name);
        output.dataset.a11yRegion = "1";
      } else if (output.dataset.a11yRegion) {
        output.removeAttribute("role");
        output.removeAttribute("aria-label");
        delete output.dataset.a11yRegion;
      }
    });
  };
  const start = () => {
    const main = document.getElementById("main-content");
    if (!main) return;
    label();
    new MutationObserver(label).observe(main, { subtree: true, attributes: true, attributeFilter: ["tabindex"] });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
