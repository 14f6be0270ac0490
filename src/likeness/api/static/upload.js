// Upload progress for portal forms (loaded on every page by base.html; no dependencies).
//
// Contract (any page may use it):
// - Mark a form with the attribute `data-upload-progress` and put a `<progress>` element
//   inside it (give it a <label>). Optionally wrap the progress in an element with the
//   `hidden` attribute (it is shown when the upload starts) and put an element marked
//   `data-upload-status` inside the form: its text becomes "42% (1.2 MB of 3.0 MB)",
//   then "Uploaded; processing…", or why the upload failed.
// - On submit (after the browser's own validation), the form is sent with
//   XMLHttpRequest to its own action and method, as multipart FormData (the button that
//   submitted it included), with the session cookie. The <progress> shows the bytes
//   sent (max 100, value in percent). The submit buttons are disabled meanwhile.
// - When the answer comes: if the server redirected (a 303 after a POST, as portal
//   forms do), the browser goes to where it redirected (xhr.responseURL); otherwise the
//   page the server answered (a form shown again with its errors, a verdict, an error
//   page) replaces the current one, as a normal submission would show it.
// - Without JavaScript, or without XMLHttpRequest upload events, nothing changes: the
//   form posts normally. The server side needs nothing special (the CSRF token travels
//   as the form's csrf_token field).
"use strict";

(() => {
  if (!window.XMLHttpRequest || !window.FormData) return;

  const megabytes = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

  const show = (form, text) => {
    const status = form.querySelector("[data-upload-status]");
    if (status) status.textContent = text;
  };

  const setBusy = (form, busy) => {
    form.setAttribute("aria-busy", busy ? "true" : "false");
    for (const button of form.querySelectorAll("button, input[type=submit]")) {
      button.disabled = busy;
    }
  };

  const replacePage = (html) => {
    document.open();
    document.write(html);
    document.close();
  };

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-upload-progress")) return;
    const bar = form.querySelector("progress");
    if (!bar || event.defaultPrevented) return;
    event.preventDefault();

    let data;
    try {
      data = new FormData(form, event.submitter || undefined);
    } catch (_) {
      data = new FormData(form);
    }
    const action = new URL(form.getAttribute("action") || window.location.href, window.location.href);
    const xhr = new XMLHttpRequest();
    xhr.open((form.getAttribute("method") || "post").toUpperCase(), action.href);
    xhr.withCredentials = true;

    const hidden = bar.closest("[hidden]");
    if (hidden && form.contains(hidden)) hidden.hidden = false;
    bar.max = 100;
    bar.value = 0;
    show(form, "0%");
    setBusy(form, true);

    xhr.upload.addEventListener("progress", (e) => {
      if (!e.lengthComputable) return;
      const percent = Math.floor((e.loaded * 100) / e.total);
      bar.value = percent;
      show(form, `${percent}% (${megabytes(e.loaded)} of ${megabytes(e.total)})`);
    });
    xhr.upload.addEventListener("load", () => {
      bar.value = 100;
      show(form, "Uploaded; processing…");
    });
    xhr.addEventListener("load", () => {
      if (xhr.responseURL && xhr.responseURL !== action.href) {
        window.location.assign(xhr.responseURL); // the server redirected: follow it
      } else {
        replacePage(xhr.responseText); // the server answered a page: show it
      }
    });
    const failed = () => {
      setBusy(form, false);
      show(form, "The upload failed (the connection was lost). Check it and send again.");
    };
    xhr.addEventListener("error", failed);
    xhr.addEventListener("abort", failed);
    xhr.send(data);
  });
})();
