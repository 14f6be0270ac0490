// The portal's own script: small, no dependencies, served from the package (works
// offline). Pages work without it; it adds conveniences only.
"use strict";

// Copy an id to the clipboard from its chip (templates/_labels.html).
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button || !navigator.clipboard) return;
  navigator.clipboard.writeText(button.dataset.copy).then(() => {
    const before = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = before; }, 1500);
  });
});
