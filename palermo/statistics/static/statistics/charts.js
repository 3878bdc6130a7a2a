/* Draw every Vega-Lite chart of a statistics page with the vendored vega-embed (no network).
   A chart is <figure class="chart" data-spec="ID"> with its spec in <script id="ID"
   type="application/json">. The figure gets data-rendered="true" once drawn (or
   data-rendered="error" and the figure's data-error message when the spec cannot be drawn).
   Vega's expressions are interpreted (ast + vega.expressionInterpreter), never compiled with
   new Function: the Content-Security-Policy allows no 'unsafe-eval'. */
(function () {
  "use strict";
  function draw(figure) {
    var holder = figure.querySelector(".chart-canvas");
    var source = document.getElementById(figure.dataset.spec);
    if (!holder || !source || typeof vegaEmbed !== "function" ||
        typeof vega === "undefined") {
      figure.dataset.rendered = "error";
      return;
    }
    var spec = JSON.parse(source.textContent);
    var options = {
      renderer: "svg", actions: false, ast: true,
      // Their default styles are in vendor/vega-embed.css, not inserted as inline <style>.
      defaultStyle: false, tooltip: { disableDefaultStyle: true }
    };
    options.expr = vega.expressionInterpreter;
    vegaEmbed(holder, spec, options)
      .then(function () { figure.dataset.rendered = "true"; })
      .catch(function (error) {
        figure.dataset.rendered = "error";
        // The message is the page's, in its language (data-error); Vega's own detail follows.
        holder.textContent = (figure.dataset.error || "") + " " + error.message;
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
