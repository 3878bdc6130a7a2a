/* Draw every Vega-Lite chart of a statistics page with the vendored vega-embed (no network).
   A chart is <figure class="chart" data-spec="ID"> with its spec in <script id="ID"
   type="application/json">. The figure gets data-rendered="true" once drawn (or
   data-rendered="error" and a message when the spec cannot be drawn). */
(function () {
  "use strict";
  function draw(figure) {
    var holder = figure.querySelector(".chart-canvas");
    var source = document.getElementById(figure.dataset.spec);
    if (!holder || !source || typeof vegaEmbed !== "function") {
      figure.dataset.rendered = "error";
      return;
    }
    var spec = JSON.parse(source.textContent);
    vegaEmbed(holder, spec, { renderer: "svg", actions: false, tooltip: true })
      .then(function () { figure.dataset.rendered = "true"; })
      .catch(function (error) {
        figure.dataset.rendered = "error";
        holder.textContent = "The chart could not be drawn: " + error.message;
      });
  }
  function drawAll() {
    document.querySelectorAll("figure.chart[data-spec]").forEach(draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
