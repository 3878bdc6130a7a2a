/* Behaviour shared by every page, kept out of the HTML so that the Content-Security-Policy can
   forbid inline scripts and handlers ("script-src 'self'").
   - A control marked data-autosubmit submits its form when changed (the language menu, the
     deadline horizons, the indicator list): form.submit(), a plain page load, as before. The
     listener is on the document, so controls that htmx swaps in work too. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var control = event.target;
    if (control instanceof Element && control.hasAttribute("data-autosubmit") && control.form) {
      control.form.submit();
    }
  });
})();
