// Upload progress for the check's photo forms (templates/photos/_upload_form.html). Without this
// script the forms post as plain multipart forms and the page comes back; with it the upload
// goes through XMLHttpRequest, whose upload "progress" events move the <progress> bar, and the
// answer (the same page: thumbnails, or the error beside the field) replaces the page's content.
"use strict";

(function () {
  const text = (form, key) => form.getAttribute("data-text-" + key) || "";

  function bind(root) {
    root.querySelectorAll("form[data-photo-upload]").forEach((form) => {
      form.addEventListener("submit", (event) => {
        if (!window.FormData || !window.XMLHttpRequest) return; // the plain post still works
        event.preventDefault();
        const bar = form.querySelector("[data-photo-progress]");
        const status = form.querySelector("[data-photo-status]");
        const button = form.querySelector("button[type=submit]");
        const xhr = new XMLHttpRequest();
        xhr.open("POST", form.action || window.location.pathname);
        xhr.upload.addEventListener("progress", (progress) => {
          if (!progress.lengthComputable) return;
          const percent = Math.round((progress.loaded / progress.total) * 100);
          bar.hidden = false;
          bar.value = percent;
          status.textContent = text(form, "uploading") + " " + percent + " %";
        });
        xhr.addEventListener("load", () => {
          const page = new DOMParser().parseFromString(xhr.responseText, "text/html");
          const main = page.querySelector("main#main");
          if (!main || (xhr.status !== 200 && xhr.status !== 400)) {
            status.textContent = text(form, "failed");
            button.disabled = false;
            return;
          }
          const target = form.id;
          document.querySelector("main#main").innerHTML = main.innerHTML;
          if (xhr.status === 200 && xhr.responseURL) {
            window.history.replaceState(null, "", xhr.responseURL.split("#")[0] + "#" + target);
          }
          bind(document.querySelector("main#main"));
          const again = document.getElementById(target);
          if (again) {
            again.scrollIntoView({ block: "center" });
            again.querySelector(".field-invalid input, [data-photo-status]")?.focus?.();
          }
        });
        xhr.addEventListener("error", () => {
          status.textContent = text(form, "failed");
          button.disabled = false;
        });
        button.disabled = true;
        bar.hidden = false;
        bar.value = 0;
        status.textContent = text(form, "uploading") + " 0 %";
        xhr.send(new FormData(form));
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => bind(document));
})();
