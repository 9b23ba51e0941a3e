// The incident view: what message events say about the last hours. The last 3 hours at minute
// grain (/series: sent, delivered, failed, delivery rate, p95), where messages fail over the chosen
// window (/breakdown: the worst carriers, senders, countries and error codes), how long delivery
// takes (/latency: p50, p95, p99, overall and the slowest carriers) and receipts overdue
// (/receipts). An open per-dimension incident (its group_by and group_value) links to its row of
// the breakdown, which is highlighted.
(function () {
  'use strict';
  var P = window.SmsPage;
  var $ = P.$, el = P.el, fmtPct = P.fmtPct, fmtTime = P.fmtTime, fmtMs = P.fmtMs;
  var DIMENSIONS = [['carrier', 'Carrier'], ['sender', 'Sender'], ['country', 'Country'], ['error_code', 'Error code']];
  /** How many rows each table shows: the worst ones. */
  var WORST = 5;
  var RECEIPTS_AFTER_MINUTES = 10;
  var charts = {};
  var highlight = null;

  /** The dimension and value an open incident is about: {by, value}, or null for a system-wide one. */
  function dimensionOf(alert) {
    if (alert.group_by && alert.group_value !== null && alert.group_value !== undefined) {
      return { by: alert.group_by, value: String(alert.group_value) };
    }
    return null;
  }

  /** The link an incident row gets to its breakdown: "carrier T-Mobile: where it fails". */
  function breakdownLink(alert) {
    var d = dimensionOf(alert);
    if (!d) return null;
    var a = el('a', { href: '#where-' + d.by, class: 'dim-link', text: d.by.replace('_', ' ') + ' ' + d.value + ': where it fails' });
    a.addEventListener('click', function (ev) {
      ev.preventDefault();
      highlight = d;
      markHighlight();
      var target = $('where-' + d.by) || $('incident-title');
      target.scrollIntoView({ block: 'start' });
    });
    return a;
  }

  function markHighlight() {
    [].forEach.call(document.querySelectorAll('#incident-card tr.hit'), function (tr) { tr.classList.remove('hit'); });
    if (!highlight) return;
    [].forEach.call(document.querySelectorAll('#where-' + highlight.by + ' tbody tr'), function (tr) {
      if (tr.getAttribute('data-key') === highlight.value) tr.classList.add('hit');
    });
  }

  function lineChart(id, series, xs, ys, label) {
    var box = $(id);
    var width = Math.max(240, box.clientWidth || 300);
    var opts = {
      width: width, height: 160, scales: { x: { time: true } }, axes: [{ space: 60 }, { size: 64 }], legend: { show: true },
      series: [{}].concat(series.map(function (s) { return { label: s[0], stroke: s[1], width: 2, spanGaps: false, points: { show: true, size: 4 } }; })),
    };
    box.setAttribute('aria-label', label);
    if (charts[id]) { charts[id].setData([xs].concat(ys)); charts[id].setSize({ width: width, height: 160 }); return; }
    if (typeof uPlot === 'undefined') { box.textContent = 'chart library not loaded'; return; }
    charts[id] = new uPlot(opts, [xs].concat(ys), box);
  }

  /** The minute series as two charts, and in words: totals, the worst minute's delivery rate and the slowest p95. */
  function renderSeries(series) {
    var rows = series.data;
    var xs = rows.map(function (r) { return Date.parse(r.at) / 1000; });
    var sum = function (k) { return rows.reduce(function (s, r) { return s + Number(r[k]); }, 0); };
    var worst = null;
    var slowest = null;
    rows.forEach(function (r) {
      if (r.delivery_rate_percent !== null && (worst === null || Number(r.delivery_rate_percent) < Number(worst.delivery_rate_percent))) worst = r;
      if (r.p95_ms !== null && (slowest === null || Number(r.p95_ms) > Number(slowest.p95_ms))) slowest = r;
    });
    var words = 'Last 3 hours, per minute: ' + sum('sent') + ' sent, ' + sum('delivered') + ' delivered, ' + sum('failed') + ' failed'
      + (worst ? '; lowest delivery rate ' + fmtPct(worst.delivery_rate_percent) + ' at ' + fmtTime(worst.at) : '')
      + (slowest ? '; highest p95 ' + fmtMs(slowest.p95_ms) + ' at ' + fmtTime(slowest.at) : '');
    $('incident-summary').textContent = words;
    lineChart('chart-minutes', [['sent', '#1f77b4'], ['delivered', '#2ca02c'], ['failed', '#d62728']], xs,
      ['sent', 'delivered', 'failed'].map(function (k) { return rows.map(function (r) { return Number(r[k]); }); }),
      'Messages per minute — ' + words);
    lineChart('chart-rate', [['delivery %', '#1f77b4'], ['p95 s', '#9467bd']], xs,
      [rows.map(function (r) { return r.delivery_rate_percent === null ? null : Number(r.delivery_rate_percent); }),
        rows.map(function (r) { return r.p95_ms === null ? null : Number(r.p95_ms) / 1000; })],
      'Delivery rate (%) and p95 delivery time (s) per minute — ' + words);
  }

  function keyText(key) { return key === null ? 'unknown' : String(key); }

  /** One dimension's worst rows (keys with terminal messages); error codes: the codes, most failures first. */
  function renderWhere(by, name, breakdown) {
    var table = $('where-' + by);
    var body = table.querySelector('tbody');
    body.replaceChildren();
    // Known values first (a message that failed at the provider has no carrier); error codes: the codes only.
    var rows = breakdown.data.filter(function (r) { return r.terminal > 0 && r.key !== null; }).slice(0, WORST)
      .concat(by === 'error_code' ? [] : breakdown.data.filter(function (r) { return r.terminal > 0 && r.key === null; }));
    rows.forEach(function (r) {
      var cells = by === 'error_code'
        ? [el('td', { text: String(r.failed) }), el('td', { text: fmtPct(r.terminal_share_percent) }), el('td', { text: fmtPct(r.failure_share_percent) })]
        : [el('td', { text: String(r.sent) }), el('td', { text: String(r.delivered) }), el('td', { text: String(r.failed) }),
          el('td', { text: fmtPct(r.delivery_rate_percent) }), el('td', { text: fmtPct(r.failure_share_percent) }),
          el('td', { text: fmtMs(r.latency_p50_ms) }), el('td', { text: fmtMs(r.latency_p95_ms) })];
      body.appendChild(el.apply(null, ['tr', { 'data-key': keyText(r.key) }, el('th', { scope: 'row', text: keyText(r.key) })].concat(cells)));
    });
    var known = rows.filter(function (r) { return r.key !== null; }).length;
    table.querySelector('caption').textContent = name + ': ' + (known ? 'the worst ' + known : 'no terminal messages');
  }

  function renderLatency(overall, byCarrier) {
    var body = $('latency-table').querySelector('tbody');
    body.replaceChildren();
    var rows = overall.data.map(function (r) { return ['all messages', r]; })
      .concat(byCarrier.data.slice(0, 3).map(function (r) { return ['carrier ' + keyText(r.key), r]; }));
    rows.forEach(function (p) {
      var r = p[1];
      body.appendChild(el('tr', null, el('th', { scope: 'row', text: p[0] }), el('td', { text: String(r.delivered) }),
        el('td', { text: fmtMs(r.p50_ms) }), el('td', { text: fmtMs(r.p95_ms) }), el('td', { text: fmtMs(r.p99_ms) })));
    });
  }

  function renderReceipts(receipts) {
    var body = $('receipts-table').querySelector('tbody');
    body.replaceChildren();
    $('receipts-empty').hidden = receipts.data.length > 0;
    $('receipts-table').hidden = receipts.data.length === 0;
    receipts.data.forEach(function (r) {
      body.appendChild(el('tr', null, el('th', { scope: 'row', text: keyText(r.carrier) }), el('td', { text: keyText(r.country) }),
        el('td', { text: String(r.sent) }), el('td', { text: String(r.waiting) }), el('td', { text: fmtPct(r.waiting_percent) }),
        el('td', { text: fmtTime(r.oldest_waiting_sent_at) })));
    });
  }

  /** Reads and renders the whole view; resolves once it is drawn. */
  function refresh(api) {
    var minutes = $('incident-minutes').value;
    var w = '&minutes=' + encodeURIComponent(minutes);
    return Promise.all([api('GET', '/api/sms/metrics/series?minutes=180&step=1')]
      .concat(DIMENSIONS.map(function (d) { return api('GET', '/api/sms/metrics/breakdown?by=' + d[0] + w); }))
      .concat([api('GET', '/api/sms/metrics/latency?' + w.slice(1)), api('GET', '/api/sms/metrics/latency?by=carrier' + w),
        api('GET', '/api/sms/metrics/receipts?after_minutes=' + RECEIPTS_AFTER_MINUTES)]))
      .then(function (r) {
        renderSeries(r[0]);
        DIMENSIONS.forEach(function (d, i) { renderWhere(d[0], d[1], r[1 + i]); });
        renderLatency(r[5], r[6]);
        renderReceipts(r[7]);
        $('incident-window').textContent = minutes + ' min';
        markHighlight();
      });
  }

  window.SmsIncident = { refresh: refresh, breakdownLink: breakdownLink, dimensionOf: dimensionOf };
})();
