// @ts-check
// The report page's script: plain ES2017 for any browser. Reads #bench-data (html.ts's
// ReportData), draws with uPlot (inlined before it), and marks what it drew: data-drawn on
// each chart, data-ready on <body>. Linted as browser code and type-checked (checkJs).
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('bench-data').textContent);
  var live = [];
  function fmtUs(v) { return v == null ? '-' : v.toFixed(3) + ' µs'; }
  function dims(el, h) { return { width: Math.max(320, el.clientWidth - 16), height: h || 300 }; }
  function attach(el, opts, d, h) {
    var s = dims(el, h);
    opts.width = s.width;
    opts.height = s.height;
    opts.hooks = opts.hooks || {};
    opts.hooks.draw = [function (u) {
      el.setAttribute('data-drawn', '1');
      el.setAttribute('data-canvas', u.ctx.canvas.width + 'x' + u.ctx.canvas.height);
    }];
    var u = new uPlot(opts, d, el);
    live.push({ u: u, el: el, h: h });
    return u;
  }
  function forget(el) {
    live = live.filter(function (c) { if (c.el === el) { c.u.destroy(); return false; } return true; });
  }
  var usAxis = { label: 'RTT (µs)', values: function (u, v) { return v.map(function (x) { return x == null ? '' : +x.toFixed(3); }); }, size: 60 };

  // Latency over time: one overview chart per mode, and one row in detail.
  var secAxis = { label: 'seconds since the start of the row' };
  function secValue(u, x) { return x == null ? '-' : x.toFixed(4) + ' s'; }
  data.overview.forEach(function (o) {
    var el = document.getElementById('chart-latency-' + o.mode);
    if (!el) return;
    var live_ = o.series.filter(function (s) { return s.t.length > 0; });
    var d = live_.length ? uPlot.join(live_.map(function (s) { return [s.t, s.p50Us]; })) : [[]];
    attach(el, {
      scales: { x: { time: false } },
      axes: [secAxis, usAxis],
      series: [{ label: 'time', value: secValue }].concat(live_.map(function (s) {
        return { label: s.label, stroke: s.color, width: 1.5, spanGaps: true, value: function (u, y) { return fmtUs(y); } };
      })),
    }, d, 300);
  });
  var rowEl = document.getElementById('chart-latency-row');
  var pick = /** @type {HTMLSelectElement} */ (document.getElementById('latency-row'));
  function drawRow() {
    forget(rowEl);
    rowEl.removeAttribute('data-drawn');
    var s = data.rows[+pick.value];
    rowEl.setAttribute('data-points', String(s.t.length));
    attach(rowEl, {
      scales: { x: { time: false } },
      axes: [secAxis, usAxis],
      series: [
        { label: 'time', value: secValue },
        { label: 'min', stroke: s.color, width: 1, dash: [4, 3], value: function (u, y) { return fmtUs(y); } },
        { label: 'median', stroke: s.color, width: 2, value: function (u, y) { return fmtUs(y); } },
        { label: 'max', stroke: '#8a939b', width: 1, value: function (u, y) { return fmtUs(y); } },
      ],
      bands: [{ series: [3, 1], fill: s.color + '26' }],
    }, [s.t, s.minUs, s.p50Us, s.maxUs], 300);
  }
  if (rowEl && pick && data.rows.length) { pick.addEventListener('change', drawRow); drawRow(); }

  // CDF over all samples of each combination, log RTT axis.
  var cdfEl = document.getElementById('chart-cdf');
  if (cdfEl && data.cdf.length) {
    var ct = data.cdf.filter(function (s) { return s.n > 0; });
    var cd = uPlot.join(ct.map(function (s) { return [s.x.map(function (x) { return Math.max(x, 0.001); }), s.y]; }));
    attach(cdfEl, {
      scales: { x: { time: false, distr: 3 }, y: { range: [0, 1] } },
      axes: [{ label: 'RTT (µs, log scale)' }, { label: 'fraction of echoes', size: 50 }],
      series: [{ label: 'RTT', value: function (u, x) { return fmtUs(x); } }].concat(ct.map(function (s) {
        return { label: s.label, stroke: s.color, width: 1.5, spanGaps: true, value: function (u, y) { return y == null ? '-' : (100 * y).toFixed(2) + ' %'; } };
      })),
    }, cd, 320);
  }

  // One histogram per payload size.
  data.histograms.forEach(function (h) {
    var el = document.getElementById('chart-hist-' + h.size);
    if (!el) return;
    var d = [h.edgesUs].concat(h.series.map(function (s) { return s.pct.concat([s.pct[s.pct.length - 1]]); }));
    attach(el, {
      scales: { x: { time: false, distr: 3 } },
      axes: [{ label: 'RTT (µs, log-spaced bins)' }, { label: '% of echoes', size: 50 }],
      series: [{ label: 'bin from', value: function (u, x) { return fmtUs(x); } }].concat(h.series.map(function (s) {
        return {
          label: s.label + (s.over ? ' (+' + s.over + ' beyond)' : ''), stroke: s.color, fill: s.color + '33', width: 1.5,
          paths: uPlot.paths.stepped({ align: 1 }), value: function (u, y) { return y == null ? '-' : y.toFixed(2) + ' %'; },
        };
      })),
    }, d, 260);
  });

  // Trace legs, stacked: each band is one leg, its height the leg's median in that stretch.
  data.traces.forEach(function (t, ti) {
    var el = document.getElementById('chart-trace-' + ti);
    if (!el) return;
    var cum = [], acc = t.x.map(function () { return 0; });
    t.legsUs.forEach(function (leg) { acc = acc.map(function (a, i) { return a + leg[i]; }); cum.push(acc); });
    var colors = ['#4e79a7', '#9c755f', '#f28e2b', '#59a14f', '#e15759', '#b07aa1'];
    var legs = data.traceLegs;
    var order = [4, 3, 2, 1, 0];
    var d = [t.x].concat(order.map(function (k) { return cum[k]; }));
    attach(el, {
      scales: { x: { time: false }, y: { range: function () { return [0, t.yMaxUs]; } } },
      axes: [{ label: 'echo number' }, { label: 'cumulative time (µs)', size: 60 }],
      series: [{ label: 'echo', value: function (u, x) { return x == null ? '-' : '#' + Math.round(x); } }].concat(order.map(function (k) {
        return { label: legs[k], stroke: colors[k], fill: colors[k] + 'cc', width: 1, value: function (u, y, si, i) { return i == null ? '-' : fmtUs(t.legsUs[k][i]); } };
      })),
    }, d, 300);
  });

  var timer = null;
  window.addEventListener('resize', function () {
    clearTimeout(timer);
    timer = setTimeout(function () { live.forEach(function (c) { c.u.setSize(dims(c.el, c.h)); }); }, 100);
  });
  document.body.setAttribute('data-ready', '1');
})();
