// The dashboard's shared helpers (plain JavaScript, no build step): element building and the one
// display format for each kind of value, used by app.js and incident.js as window.SmsPage.
(function () {
  'use strict';
  function $(id) { return document.getElementById(id); }
  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k === 'class') node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return node;
  }
  function fmtPct(v) { return v === null || v === undefined ? 'no data' : Number(v).toFixed(2).replace(/\.?0+$/, '') + ' %'; }
  function fmtUsd(v) { return '$' + Number(v || 0).toFixed(4); }
  /** The page's one time format: 2026-12-04 15:15 UTC (the API sends ISO 8601 UTC, 2026-12-04T15:15:00Z). */
  function fmtTime(iso) {
    if (!iso) return '—';
    var d = new Date(iso);
    return d.toISOString().replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');
  }
  /** A duration in words, as the API's sentences say it (_duration_text): 42 s, 42 min, 3 h 5 min, 12 d 4 h. */
  function fmtDuration(seconds) {
    if (seconds === null || seconds === undefined) return '—';
    var s = Math.max(0, Math.floor(seconds));
    if (s < 60) return s + ' s';
    var m = Math.floor(s / 60);
    if (m < 60) return m + ' min';
    if (m < 2880) return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
    return Math.floor(m / 1440) + ' d ' + Math.floor((m % 1440) / 60) + ' h';
  }
  /** A delivery time from the API's whole milliseconds: 850 ms under a second, else seconds with one decimal (4.2 s). */
  function fmtMs(ms) {
    if (ms === null || ms === undefined) return '—';
    var v = Number(ms);
    return v < 1000 ? v + ' ms' : (v / 1000).toFixed(1) + ' s';
  }
  window.SmsPage = { $: $, el: el, fmtPct: fmtPct, fmtUsd: fmtUsd, fmtTime: fmtTime, fmtDuration: fmtDuration, fmtMs: fmtMs };
})();
