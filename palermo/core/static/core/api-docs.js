// Starts the vendored Swagger UI at /api/v1/docs with the settings the page carries as JSON
// (#swagger-settings): an external script, so that the Content-Security-Policy needs no
// inline code. A session's CSRF token (data-csrf-token) goes with the requests "Try it out" sends.
(function () {
  "use strict";
  var settings = JSON.parse(document.getElementById("swagger-settings").textContent);
  var csrf = document.body.getAttribute("data-csrf-token");
  settings.dom_id = "#swagger-ui";
  settings.presets = [SwaggerUIBundle.presets.apis];
  if (csrf) {
    settings.requestInterceptor = function (request) {
      request.headers["X-CSRFToken"] = csrf;
      return request;
    };
  }
  window.ui = SwaggerUIBundle(settings);
})();
