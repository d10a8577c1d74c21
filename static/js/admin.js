// Django admin, accessibility fixes (templates/admin/base_site.html).
// An inline group scrolls sideways on a narrow screen: it takes the keyboard focus, so a
// keyboard user can scroll it too (axe: scrollable-region-focusable).
document.addEventListener("DOMContentLoaded", () => {
  for (const group of document.querySelectorAll(".inline-group")) {
    group.tabIndex = 0;
    const heading = group.querySelector("h2");
    if (heading) {
      heading.id ||= `${group.id}-heading`;
      group.setAttribute("role", "group");
      group.setAttribute("aria-labelledby", heading.id);
    }
  }
});
