/* Draws every figure of a dashboard page. Each figure's Plotly JSON sits in a
   <script type="application/json" class="js-figure" data-target="ID"> block beside its
   table; plotly.js is served by the app from the plotly package (/static/vendor/). */
(function () {
  "use strict";

  var CONFIG = {
    responsive: true,
    displaylogo: false,
    modeBarButtonsToRemove: ["select2d", "lasso2d"],
  };

  function draw(node) {
    var target = document.getElementById(node.getAttribute("data-target"));
    if (!target) {
      return;
    }
    var spec = JSON.parse(node.textContent);
    window.Plotly.newPlot(target, spec.data, spec.layout, CONFIG).then(function () {
      target.setAttribute("data-drawn", "true");
    });
  }

  function drawAll() {
    if (!window.Plotly) {
      document.querySelectorAll(".figure-plot").forEach(function (el) {
        el.textContent = "The chart could not be drawn; the table has the same numbers.";
      });
      return;
    }
    document.querySelectorAll("script.js-figure").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
