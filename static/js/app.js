// Small behaviours htmx alone does not cover. A file, not inline code: the Content-Security-Policy
// allows scripts from this site only ("script-src 'self'"), no inline handlers, no hx-on.
"use strict";

// A dialog htmx has just put on the page gets the keyboard focus on its first link, so keyboard
// and screen-reader users land in it (mark the slot with data-focus-first-link).
document.addEventListener("htmx:afterSettle", (event) => {
  const slot = event.target;
  if (slot instanceof Element && slot.matches("[data-focus-first-link]")) {
    slot.querySelector("dialog a")?.focus();
  }
});

// A link shown and announced as a button (role="button") answers Space as a button does, not
// only Enter as a link does.
document.addEventListener("keydown", (event) => {
  if (event.key === " " && event.target instanceof Element && event.target.matches('a[role="button"]')) {
    event.preventDefault(); // the page does not scroll
    event.target.click();
  }
});
