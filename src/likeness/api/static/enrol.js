// Enrolment page (templates/enrolment.html): recording in the browser where it works,
// and the enrol button held back while a checked file is refused. The page works
// without this script: files are chosen, checked and enrolled by plain form posts.
"use strict";

(() => {
  // The form whose verdicts an htmx request fills (null for other requests).
  const formOf = (box) =>
    box && box.id ? document.querySelector(`form[data-verdicts="${box.id}"]`) : null;

  // While a check runs (a video takes seconds): say so, show the upload's progress in
  // the form's bar, and hold the enrol button back.
  document.addEventListener("htmx:beforeRequest", (event) => {
    const box = event.detail.target;
    const form = formOf(box);
    if (!form) return;
    box.setAttribute("aria-busy", "true");
    box.innerHTML = '<p class="hint" role="status">Checking the files… nothing is kept.</p>';
    const enrol = form.querySelector("button[data-enrol]");
    if (enrol) enrol.disabled = true;
  });
  document.addEventListener("htmx:xhr:progress", (event) => {
    const form = event.target.closest("form[data-verdicts]");
    const bar = form ? form.querySelector("progress") : null;
    if (!bar || !event.detail.lengthComputable) return;
    const wrapper = bar.closest("[hidden]");
    if (wrapper) wrapper.hidden = false;
    bar.max = 100;
    bar.value = Math.floor((event.detail.loaded * 100) / event.detail.total);
  });

  // A check the server refused (a stale session, a file over the size limit): say so.
  document.addEventListener("htmx:afterRequest", (event) => {
    const box = event.detail.target;
    const form = formOf(box);
    if (!form || event.detail.successful) return;
    box.removeAttribute("aria-busy");
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    box.innerHTML = "";
    const said = document.createElement("p");
    said.className = "flash error";
    said.setAttribute("role", "alert");
    said.textContent = status === 413
      ? "The files are larger than the server accepts: choose fewer or smaller files."
      : `The check failed (${status || "no answer"}): reload the page and try again.`;
    box.appendChild(said);
    const enrol = form.querySelector("button[data-enrol]");
    if (enrol) enrol.disabled = false;
  });

  // After a quality check, enrol only when every file passed (the server checks again).
  document.addEventListener("htmx:afterSwap", (event) => {
    const box = event.detail.target;
    const form = formOf(box);
    if (!form) return;
    box.removeAttribute("aria-busy");
    const verdicts = box.querySelector(".verdicts");
    const enrol = form.querySelector("button[data-enrol]");
    if (enrol) enrol.disabled = verdicts !== null && verdicts.dataset.allAccepted !== "true";
  });

  const canRecord = () =>
    Boolean(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.MediaRecorder);

  // Put a recording in the form's file input, as if it had been chosen.
  function useRecording(input, blob, name) {
    const file = new File([blob], name, { type: blob.type || "video/webm" });
    const files = new DataTransfer();
    files.items.add(file);
    input.files = files.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function setUp(box) {
    const input = document.getElementById(box.dataset.input);
    const button = box.querySelector("button[data-record]");
    const status = box.querySelector(".recorder-status");
    const preview = box.querySelector("video");
    const video = box.dataset.recorder === "video";
    const seconds = Number(box.dataset.seconds || "0");
    const label = button.textContent;
    let recorder = null;

    function say(text) { status.textContent = text; }

    function stop() {
      if (recorder && recorder.state !== "inactive") recorder.stop();
    }

    async function start() {
      let stream;
      try {
        stream = await navigator.mediaDevices.getUserMedia(
          video ? { video: { facingMode: "user" }, audio: false } : { audio: true },
        );
      } catch (error) {
        say(`The ${video ? "camera" : "microphone"} could not be used (${error.name}); choose a file instead.`);
        return;
      }
      const chunks = [];
      recorder = new MediaRecorder(stream);
      recorder.addEventListener("dataavailable", (e) => { if (e.data.size) chunks.push(e.data); });
      recorder.addEventListener("stop", () => {
        stream.getTracks().forEach((track) => track.stop());
        if (preview) {
          preview.srcObject = null;
          preview.classList.remove("live");
        }
        button.textContent = label;
        const blob = new Blob(chunks, { type: recorder.mimeType });
        recorder = null;
        say("Recorded; checking it now.");
        useRecording(input, blob, video ? "head-turn.webm" : "recording.webm");
      });
      if (preview) {
        preview.srcObject = stream;
        preview.classList.add("live");
        preview.play().catch(() => {});
      }
      recorder.start();
      if (video) {
        button.disabled = true;
        say(`Recording ${seconds} seconds: face the camera, turn slowly left, then right.`);
        setTimeout(() => { button.disabled = false; stop(); }, seconds * 1000);
      } else {
        button.textContent = "Stop recording";
        say("Recording: read aloud, then press Stop recording.");
      }
    }

    button.addEventListener("click", () => { if (recorder) stop(); else start(); });
    box.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (!canRecord()) return;
    document.querySelectorAll("[data-recorder]").forEach(setUp);
  });
})();
