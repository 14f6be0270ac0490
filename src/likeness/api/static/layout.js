// Layout help for every portal page (base.html loads it): small, no dependencies,
// served from the package. Pages work without it.
"use strict";

// A table wider than the screen scrolls inside its .table-wrap (portal.css). One that
// scrolls must take the keyboard's focus, or a keyboard user cannot scroll it: it gets
// tabindex=0 and, as a named region, "Table: " and the name of its table (caption or
// label) or of the heading above it. Wraps a template made focusable are left alone.
function focusableScrollers(root) {
  for (const wrap of root.querySelectorAll(".table-wrap:not([tabindex])")) {
    if (wrap.scrollWidth <= wrap.clientWidth) continue;
    wrap.tabIndex = 0;
    if (wrap.hasAttribute("aria-label") || wrap.hasAttribute("aria-labelledby")) continue;
    const table = wrap.querySelector("table");
    const caption = table && table.caption ? table.caption.textContent : "";
    const label = table && (table.getAttribute("aria-label") || caption);
    const labelledBy = table && table.getAttribute("aria-labelledby");
    let heading = wrap.previousElementSibling;
    while (heading && !/^H[1-6]$/.test(heading.tagName)) heading = heading.previousElementSibling;
    const section = wrap.closest("section");
    if (!heading && section) heading = section.querySelector("h1, h2, h3, h4, h5, h6");
    // "Table: ..." so that the region's name differs from its section's (axe: unique)
    const named = label || (labelledBy && document.getElementById(labelledBy)?.textContent)
      || (heading && heading.textContent) || "";
    wrap.setAttribute("aria-label", named.trim() ? `Table: ${named.trim()}` : "Table");
    wrap.setAttribute("role", "region");
  }
}

document.addEventListener("DOMContentLoaded", () => focusableScrollers(document));
window.addEventListener("resize", () => focusableScrollers(document));
document.addEventListener("htmx:afterSettle", () => focusableScrollers(document));
