// The figures page: one subject's figures of one kind as a Chart.js scatter chart by date, one
// colour per source, ranges and bounds as bars, outliers as red triangles; a click opens the
// claim in the reader. Below, the malformed figures with their Resolve action (figureitem.js).
// Chart.js is vendored (static/vendor/chartjs, loaded by a deferred classic script before
// this module runs).
import { figureItem } from "./figureitem.js";

const data = JSON.parse(document.getElementById("figures-data").textContent);
const canResolve = document.querySelector("script[data-can-resolve]")?.dataset.canResolve === "1";
const PALETTE = ["#0b5cad", "#2f8f46", "#8a5a00", "#6b3fa0", "#00838f", "#5e6570", "#ad1457", "#3949ab"];
const OUTLIER = "#b42318";
const OPEN_ABOVE = new Set(["more_than", "at_least"]);
const OPEN_BELOW = new Set(["at_most", "less_than"]);

function day(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

function point(p) {
  return { x: Date.parse(p.date), y: p.low, high: p.high, figure: p };
}

function datasets() {
  const bySource = new Map();
  for (const p of data.points.filter((q) => !q.outlier && q.date)) {
    const source = p.outlet || "Unknown source";
    if (!bySource.has(source)) bySource.set(source, []);
    bySource.get(source).push(point(p));
  }
  const sets = [...bySource].map(([source, points], i) => ({
    label: source, data: points, backgroundColor: PALETTE[i % PALETTE.length],
    borderColor: PALETTE[i % PALETTE.length], pointRadius: 6, pointHoverRadius: 8,
  }));
  const outliers = data.points.filter((q) => q.outlier && q.date).map(point);
  if (outliers.length) {
    sets.push({
      label: "Outliers", data: outliers, backgroundColor: OUTLIER, borderColor: OUTLIER,
      pointStyle: "triangle", pointRadius: 9, pointHoverRadius: 11,
    });
  }
  return sets;
}

// Ranges ("10,000 to 12,000") as a bar from low to high; bounds as an arrow towards the open
// side ("more than 690,000" points up).
const rangeBars = {
  id: "rangeBars",
  afterDatasetsDraw(chart) {
    const { ctx, scales: { y } } = chart;
    chart.data.datasets.forEach((set, i) => {
      chart.getDatasetMeta(i).data.forEach((element, j) => {
        const raw = set.data[j];
        const bound = raw.figure.bound;
        ctx.save();
        ctx.strokeStyle = set.borderColor;
        ctx.lineWidth = 2;
        ctx.beginPath();
        if (raw.high > raw.y) {
          ctx.moveTo(element.x, y.getPixelForValue(raw.y));
          ctx.lineTo(element.x, y.getPixelForValue(raw.high));
        } else if (OPEN_ABOVE.has(bound) || OPEN_BELOW.has(bound)) {
          const dir = OPEN_ABOVE.has(bound) ? -1 : 1;
          ctx.moveTo(element.x, element.y + dir * 8);
          ctx.lineTo(element.x, element.y + dir * 22);
          ctx.moveTo(element.x - 4, element.y + dir * 17);
          ctx.lineTo(element.x, element.y + dir * 22);
          ctx.lineTo(element.x + 4, element.y + dir * 17);
        }
        ctx.stroke();
        ctx.restore();
      });
    });
  },
};

function draw() {
  const canvas = document.getElementById("figure-chart");
  if (!canvas || !window.Chart) return;
  // The x axis runs from midnight (UTC) before the first article to midnight after the
  // last, with a tick on whole days only.
  const DAY = 86400000;
  const xs = data.points.filter((p) => p.date).map((p) => Date.parse(p.date));
  const min = Math.floor(Math.min(...xs) / DAY) * DAY - DAY;
  const max = Math.ceil(Math.max(...xs) / DAY) * DAY + DAY;
  const step = DAY * Math.max(1, Math.ceil((max - min) / DAY / 10));
  const chart = new window.Chart(canvas, {
    type: "scatter",
    data: { datasets: datasets() },
    plugins: [rangeBars],
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: {
        x: {
          type: "linear", min, max,
          title: { display: true, text: "Article date (UTC)" },
          ticks: { callback: (value) => day(value), stepSize: step, autoSkip: false },
        },
        y: {
          beginAtZero: true,
          title: { display: true, text: data.kind_label },
          ticks: { callback: (value) => Number(value).toLocaleString("en") },
        },
      },
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: {
            title: (items) => items.map((item) => item.raw.figure.article_title).join(" / "),
            label: (item) => {
              const f = item.raw.figure;
              const flags = [f.outlier ? "outlier" : "", f.contradicts.length ? `contradicts ${f.contradicts.length}` : ""].filter(Boolean).join(", ");
              return `${f.outlet || "Unknown source"}, ${day(item.raw.x)}: ${f.value_label}${flags ? ` (${flags})` : ""}`;
            },
          },
        },
      },
      onClick: (event, elements) => {
        if (elements.length) {
          const { datasetIndex, index } = elements[0];
          window.location.href = chart.data.datasets[datasetIndex].data[index].figure.url;
        }
      },
    },
  });
  canvas.dataset.points = String(chart.data.datasets.reduce((n, set) => n + set.data.length, 0));
}

function unresolved() {
  const list = document.getElementById("unresolved-figures");
  if (!list) return;
  list.replaceChildren(...data.unresolved.map((figure) => figureItem(figure, {
    canResolve, showArticle: true,
    // A resolved figure joins the chart and may change who contradicts whom: draw it again.
    onChange: () => window.location.reload(),
  })));
}

unresolved();
if (window.Chart) draw();
else window.addEventListener("load", draw, { once: true });
