// Draws the dashboard's plots with the bundled uPlot from the JSON in #chart-data (no inline script: CSP).
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof uPlot === "undefined") { return; }
  var colours = ["#2563eb", "#16a34a", "#dc2626", "#9333ea", "#ea580c"];
  var charts = {};
  JSON.parse(source.textContent).forEach(function (chart) {
    var box = document.getElementById("chart-" + chart.id);
    if (!box || chart.x.length === 0) { return; }
    var series = [{}].concat(chart.series.map(function (s, i) {
      return {label: s.label, stroke: colours[i % colours.length], width: 2, spanGaps: true,
              points: {show: true, size: 7, fill: colours[i % colours.length]}};
    }));
    var data = [chart.x].concat(chart.series.map(function (s) { return s.values; }));
    var opts = {
      width: Math.max(320, box.clientWidth - 16), height: 220, series: series,
      scales: {x: {time: true}, y: chart.unit === "share" || chart.unit === "recall" ? {range: [0, 1]} : {}},
      axes: [{}, {label: chart.unit}]
    };
    charts[chart.id] = new uPlot(opts, data, box);
  });
  window.stewardCharts = charts;  // the browser test reads the drawn data from here
})();
