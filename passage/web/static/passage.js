/* Passage web player: optional enhancements. Every page works without this file.
   Keys 1-9 take a choice, a read-aloud button uses the browser's own speech
   synthesis, and a short fade between pages is skipped when the reader asks
   for reduced motion. No framework, no build step, nothing sent anywhere. */
(function () {
  "use strict";
  var root = document.documentElement;
  var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)");
  root.classList.add("js");

  function calm() { return !reduce || reduce.matches; }
  function leave() { if (!calm()) { document.body.classList.add("leaving"); } }

  window.addEventListener("pageshow", function () { document.body.classList.remove("leaving"); });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.choice");
    if (link && !event.ctrlKey && !event.metaKey && !event.shiftKey && event.button === 0) { leave(); }
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) { return; }
    if (!/^[1-9]$/.test(event.key)) { return; }
    var link = document.querySelector('a.choice[data-key="' + event.key + '"]');
    if (link) {
      event.preventDefault();
      leave();
      window.location.assign(link.href);
    }
  });

  var tools = document.getElementById("tools");
  if (!tools) { return; }
  if (document.querySelector("a.choice[data-key]")) {
    var hint = document.createElement("p");
    hint.className = "hint";
    hint.textContent = "Tip: press a number key (1 to 9) to take that choice.";
    tools.appendChild(hint);
  }
  if (!("speechSynthesis" in window) || !window.SpeechSynthesisUtterance) { return; }

  var button = document.createElement("button");
  button.type = "button";
  button.className = "button read-aloud";
  button.setAttribute("aria-pressed", "false");
  button.textContent = "Read aloud";
  tools.insertBefore(button, tools.firstChild);

  function text() {
    var parts = [];
    var title = document.getElementById("scene-title");
    if (title) { parts.push(title.textContent); }
    document.querySelectorAll(".reveal .outcome, .prose, .debrief .epilogue, .choices li").forEach(function (node) {
      parts.push(node.textContent);
    });
    return parts.join("\n").replace(/\s+\n/g, "\n");
  }
  function stop() {
    window.speechSynthesis.cancel();
    button.setAttribute("aria-pressed", "false");
    button.textContent = "Read aloud";
  }
  button.addEventListener("click", function () {
    if (button.getAttribute("aria-pressed") === "true") { stop(); return; }
    var utterance = new window.SpeechSynthesisUtterance(text());
    utterance.lang = root.lang || "en";
    utterance.onend = stop;
    utterance.onerror = stop;
    window.speechSynthesis.cancel();
    window.speechSynthesis.speak(utterance);
    button.setAttribute("aria-pressed", "true");
    button.textContent = "Stop reading";
  });
  window.addEventListener("pagehide", stop);
}());
