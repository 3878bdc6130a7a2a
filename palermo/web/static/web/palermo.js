/* Behaviour shared by every page, kept out of the HTML so that the Content-Security-Policy can
   forbid inline scripts and handlers ("script-src 'self'").
   - A control marked data-autosubmit submits its form when changed (the language menu, the
     deadline horizons, the indicator list): form.submit(), a plain page load, as before. The
     listener is on the document, so controls that htmx swaps in work too.
   - A link marked data-history-back (the error pages) goes back in the browser's history when
     there is a page to go back to, else it follows its href (the home page).
   - A form posted over the node's size limit is not sent: the limit is the body's
     data-upload-max-bytes (Django's DATA_UPLOAD_MAX_MEMORY_SIZE: the text of one form, files
     apart), and a file input may carry data-max-bytes (its own limit). The message comes from
     the page's #too-large-message template (translated), is shown above the form, and what was
     typed stays where it is. The server refuses the same post with its 413 page. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var control = event.target;
    if (control instanceof Element && control.hasAttribute("data-autosubmit") && control.form) {
      control.form.submit();
    }
  });

  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest("[data-history-back]") : null;
    if (link && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });

  function utf8Bytes(text) {
    return new Blob([text]).size;
  }

  function humanSize(bytes) {
    if (bytes >= 1024 * 1024) { return (bytes / (1024 * 1024)).toFixed(1) + " MB"; }
    if (bytes >= 1024) { return Math.ceil(bytes / 1024) + " KB"; }
    return bytes + " B";
  }

  /* The size Django counts against DATA_UPLOAD_MAX_MEMORY_SIZE: the encoded body of a
     urlencoded form; the names and values of the text fields of a multipart one. */
  function textSize(form) {
    var multipart = (form.enctype || "").indexOf("multipart") === 0;
    var total = 0;
    new FormData(form).forEach(function (value, name) {
      if (typeof value !== "string") { return; }
      total += multipart
        ? utf8Bytes(name) + utf8Bytes(value)
        : encodeURIComponent(name).length + encodeURIComponent(value).length + 2;
    });
    return total;
  }

  function tooLargeProblem(form) {
    var most = parseInt(document.body.getAttribute("data-upload-max-bytes") || "0", 10);
    var template = document.getElementById("too-large-message");
    if (!template) { return ""; }
    if (most > 0) {
      var sent = textSize(form);
      if (sent > most) {
        return template.getAttribute("data-text")
          .replace("__SENT__", humanSize(sent)).replace("__MOST__", humanSize(most));
      }
    }
    var inputs = form.querySelectorAll("input[type=file][data-max-bytes]");
    for (var i = 0; i < inputs.length; i += 1) {
      var limit = parseInt(inputs[i].getAttribute("data-max-bytes"), 10);
      var files = inputs[i].files || [];
      for (var j = 0; j < files.length; j += 1) {
        if (limit > 0 && files[j].size > limit) {
          return template.getAttribute("data-file")
            .replace("__NAME__", files[j].name).replace("__SENT__", humanSize(files[j].size))
            .replace("__MOST__", humanSize(limit));
        }
      }
    }
    return "";
  }

  /* In the capture phase, before htmx's own submit listener on the form. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || (form.getAttribute("method") || "").toLowerCase() !== "post") {
      return;
    }
    var box = form.querySelector(":scope > .too-large");
    var problem = tooLargeProblem(form);
    if (!problem) {
      if (box) { box.remove(); }
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    if (!box) {
      box = document.createElement("div");
      box.className = "error too-large";
      box.setAttribute("role", "alert");
      form.insertBefore(box, form.firstChild);
    }
    box.textContent = problem;
    box.scrollIntoView({block: "nearest"});
  }, true);
})();
