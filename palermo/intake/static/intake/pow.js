/* The public report form's proof of work (palermo/intake/abuse.py): find a number whose
   SHA-256 with the form's challenge starts with data-difficulty zero bits, while the person
   types; the form is sent once it is found. Without JavaScript the form still works (the
   server then allows fewer reports per network). No network, no third party. */
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form || !window.crypto || !window.crypto.subtle || !window.TextEncoder) { return; }
  var bits = parseInt(form.dataset.difficulty || "16", 10);
  var challenge = form.querySelector("input[name=challenge]").value;
  var proof = form.querySelector("input[name=proof]");
  var encoder = new TextEncoder();
  var found = null;
  var waiting = false;
  function zeroBits(bytes) {
    var n = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { n += 8; continue; }
      var b = bytes[i];
      while ((b & 0x80) === 0) { n += 1; b <<= 1; }
      break;
    }
    return n;
  }
  function search(start) {
    var tries = [];
    for (var i = start; i < start + 256; i++) {
      tries.push(window.crypto.subtle.digest("SHA-256", encoder.encode(challenge + ":" + i)));
    }
    return Promise.all(tries).then(function (digests) {
      for (var j = 0; j < digests.length; j++) {
        if (zeroBits(new Uint8Array(digests[j])) >= bits) { return String(start + j); }
      }
      return search(start + 256);
    });
  }
  search(0).then(function (solution) {
    found = solution;
    proof.value = solution;
    if (waiting) { form.submit(); }
  });
  form.addEventListener("submit", function (event) {
    if (found === null) {
      event.preventDefault();
      waiting = true;
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
    }
  });
})();
