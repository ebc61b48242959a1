/* The one script that draws every Plotly figure of the app. Figures sit in
   <script type="application/json"> blocks (figure JSON built on the server), so no inline
   script runs and the Content-Security-Policy (script-src 'self') holds. Two markings:
     <div data-figure="ID"></div> … <script type="application/json" id="ID">{…}</script>
     <script type="application/json" class="js-figure" data-target="ID">{…}</script> … <div id="ID">
   Only the plot elements (div) are marked for drawing: a figure's data table carries
   data-figure too (tests and readers find it by key), and it must stay whatever happens.
   A drawn chart gets data-drawn="true"; when plotly.js is missing the plot gets
   data-drawn="false" and a note, and the table beside it is the figure. A point whose customdata is a same-site path
   ("/orgs/…") opens that page when clicked. plotly.js comes from the plotly package. */
(function () {
  "use strict";

  var CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] };

  function parse(source) {
    try { return JSON.parse(source.textContent); } catch (error) { return null; }
  }

  function linkOf(point) {
    var url = point && point.customdata;
    if (Array.isArray(url)) { url = url[0]; }
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" ? url : null;
  }

  // On a narrow screen a legend wraps into many rows and Plotly takes them from the plot,
  // squeezing the bars under their axis title: grow the figure until the plot keeps
  // MIN_PLOT pixels (a figure drawn at a fixed size, as the lineage graph, has room already).
  var MIN_PLOT = 180;

  function roomToRead(target) {
    var full = target._fullLayout;
    var plot = full && full._size;
    if (!plot || plot.h >= MIN_PLOT || full.autosize === false) { return null; }
    return window.Plotly.relayout(target, { height: full.height + MIN_PLOT - plot.h });
  }

  function draw(target, figure) {
    if (!target || !figure) { return; }
    var config = Object.assign({}, CONFIG, figure.config || {});
    window.Plotly.newPlot(target, figure.data || [], figure.layout || {}, config).then(function () {
      return roomToRead(target);
    }).then(function () {
      target.setAttribute("data-drawn", "true");
      target.on("plotly_click", function (event) {
        var url = event && event.points && linkOf(event.points[0]);
        if (url) { window.location.assign(url); }
      });
    });
  }

  function drawAll() {
    if (!window.Plotly) {
      document.querySelectorAll("div[data-figure], div.figure-plot").forEach(function (element) {
        element.setAttribute("data-drawn", "false");
        element.classList.add("figure-failed");
        element.textContent = "The chart could not be drawn; the table has the same numbers.";
      });
      // A graph's table may sit folded in a <details>: open it, it is the figure now.
      document.querySelectorAll("details.figure-fallback").forEach(function (details) {
        details.open = true;
      });
      return;
    }
    document.querySelectorAll("div[data-figure]").forEach(function (element) {
      var source = document.getElementById(element.getAttribute("data-figure"));
      draw(element, source && parse(source));
    });
    document.querySelectorAll("script.js-figure").forEach(function (source) {
      draw(document.getElementById(source.getAttribute("data-target")), parse(source));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
}());
