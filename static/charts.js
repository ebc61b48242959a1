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

  // A phone leaves a chart about 300 px: long category names (KPIs, programs, initiatives)
  // would take the plot's whole width and titles run off the edge. Below NARROW px they
  // wrap onto short lines, the figure grows by the lines added, and heatmap cells use a
  // smaller number font. Figures drawn at a fixed size (autosize false) are left alone.
  var NARROW = 560;

  function wrap(text, width) {
    if (typeof text !== "string" || text.length <= width) { return text; }
    var lines = [];
    var line = "";
    text.split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line ? line + " " + word : word;
      }
    });
    if (line) { lines.push(line); }
    return lines.join("<br>");
  }

  function categoriesOn(axis, data) {
    var found = [];
    data.forEach(function (trace) {
      var horizontal = trace.orientation === "h";
      var onAxis = trace.type === "heatmap" ||
        (trace.type === "bar" && (axis === "y" ? horizontal : !horizontal));
      (onAxis && Array.isArray(trace[axis]) ? trace[axis] : []).forEach(function (value) {
        if (typeof value === "string" && found.indexOf(value) < 0) { found.push(value); }
      });
    });
    return found;
  }

  function fitNarrow(target, figure) {
    var layout = figure.layout;
    if (!layout || layout.autosize === false || target.clientWidth >= NARROW) { return figure; }
    layout = JSON.parse(JSON.stringify(layout));
    var data = figure.data || [];
    var grow = 0;
    var crowded = false;
    if (layout.title && layout.title.text) { layout.title.text = wrap(layout.title.text, 36); }
    ["x", "y"].forEach(function (axis) {
      var settings = layout[axis + "axis"] = layout[axis + "axis"] || {};
      if (settings.title && settings.title.text) { settings.title.text = wrap(settings.title.text, 28); }
      var names = categoriesOn(axis, data);
      var heatmap = data.some(function (trace) { return trace.type === "heatmap"; });
      if (axis === "x" && heatmap && names.length > 3) {
        // Many columns of a few pixels: every name stands upright (Plotly would skip every
        // other one), and the cells drop their numbers (the table has them).
        settings.tickangle = -90;
        settings.tickmode = "array";
        settings.tickvals = names;
        crowded = names.length > 5;
        return;
      }
      var wrapped = names.map(function (name) { return wrap(name, 16); });
      if (!names.length || wrapped.join() === names.join()) { return; }
      settings.tickmode = "array";
      settings.tickvals = names;
      settings.ticktext = wrapped;
      if (axis === "y") {
        var lines = Math.max.apply(null, wrapped.map(function (w) { return w.split("<br>").length; }));
        grow += names.length * (lines - 1) * 14;
      }
    });
    if (grow && layout.height) { layout.height += grow; }
    data = data.map(function (trace) {
      if (trace.type !== "heatmap") { return trace; }
      var bar = Object.assign({}, trace.colorbar || {}, { thickness: 12 });
      var text = crowded ? { texttemplate: "" } : { textfont: { size: 9 } };
      return Object.assign({}, trace, text, { colorbar: bar });
    });
    return Object.assign({}, figure, { layout: layout, data: data });
  }

  function draw(target, figure) {
    if (!target || !figure) { return; }
    figure = fitNarrow(target, figure);
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
