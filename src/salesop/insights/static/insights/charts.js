// Draws each insights chart from the JSON its page wrote beside it (json_script): no inline
// script, so the Content-Security-Policy stays strict. Kinds: "bars" (one or more bar series,
// horizontal with `horizontal`), and "pareto" (counts as bars, the cumulative share as a line).
(function () {
  "use strict";

  function option(spec) {
    var categoryAxis = { type: "category", data: spec.categories, axisLabel: { interval: 0 } };
    var valueAxis = { type: "value", name: spec.unit || "" };
    var series = spec.series.map(function (s) {
      return {
        name: s.name,
        type: "bar",
        data: s.data,
        label: { show: !!spec.labels, position: spec.horizontal ? "right" : "top" },
      };
    });
    var base = {
      tooltip: { trigger: "axis" },
      legend: { show: spec.series.length > 1 || spec.kind === "pareto" },
      grid: { left: 8, right: 40, top: 36, bottom: 8, containLabel: true },
      xAxis: spec.horizontal ? valueAxis : categoryAxis,
      yAxis: spec.horizontal ? Object.assign({ inverse: true }, categoryAxis) : valueAxis,
      series: series,
    };
    if (spec.kind === "pareto") {
      base.yAxis = [valueAxis, { type: "value", max: 100, axisLabel: { formatter: "{value}%" } }];
      base.series.push({
        name: spec.cumulative_name,
        type: "line",
        yAxisIndex: 1,
        data: spec.cumulative,
      });
    }
    return base;
  }

  function draw() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.dataset.chart);
      if (!source) return;
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option(JSON.parse(source.textContent)));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
