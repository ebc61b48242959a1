/* Draws every Plotly figure on a page. A container names the id of a
   <script type="application/json"> block holding the figure (plotly.io.to_json):
     <div class="chart" data-figure="my-figure"></div>
     <script type="application/json" id="my-figure">{...}</script>
   No inline script, so the Content-Security-Policy (script-src 'self') holds. A point whose
   customdata is a same-site path ("/orgs/...") opens that page when clicked. */
(function () {
  "use strict";

  function figureFor(element) {
    var source = document.getElementById(element.getAttribute("data-figure"));
    if (!source) { return null; }
    try { return JSON.parse(source.textContent); } catch (error) { return null; }
  }

  function linkOf(point) {
    var url = point && point.customdata;
    if (Array.isArray(url)) { url = url[0]; }
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" ? url : null;
  }

  function draw(element) {
    var figure = figureFor(element);
    if (!figure || !window.Plotly) { return; }
    var config = Object.assign({ responsive: true, displaylogo: false }, figure.config || {});
    window.Plotly.newPlot(element, figure.data || [], figure.layout || {}, config).then(function () {
      element.on("plotly_click", function (event) {
        var url = event && event.points && linkOf(event.points[0]);
        if (url) { window.location.assign(url); }
      });
    });
  }

  function drawAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-figure]"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
}());
