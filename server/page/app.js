// The sms-monitor dashboard: plain JavaScript served as it is (no build step). Every figure comes
// from the HTTP API with the bearer token from the URL fragment (#token=...), which is moved to
// sessionStorage and removed from the address bar at once: it is never part of a request line,
// so never in a server log or a Referer. Live: an event stream (fetch, so the token travels in
// the Authorization header, not the URL) triggers a refresh whenever an incident fires, is
// acknowledged or resolves; a poll every 10 s catches the rest (figures, silenced incidents).
// One moment: the health card (figures, health sentence, open count) is one /summary?live=true
// body, so its tiles and its sentence come from the same database time (its as_of), and the top
// users are read live too. One display format for times (fmtTime, UTC) and the API's own
// value_text / threshold_text for values with units (format.js). The incident view (the last
// 3 hours of message events) is incident.js, refreshed with the rest.
(function () {
  'use strict';
  var TOKEN_KEY = 'sms-monitor-token';
  var POLL_MS = 10000;
  var charts = {};
  var refreshTimer = null;
  var refreshing = false;
  var pending = false;

  var P = window.SmsPage;
  var $ = P.$, el = P.el, fmtPct = P.fmtPct, fmtUsd = P.fmtUsd, fmtTime = P.fmtTime, fmtDuration = P.fmtDuration;

  // ---- the token -------------------------------------------------------------------------------
  function takeTokenFromFragment() {
    var m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (m) {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
      history.replaceState(null, '', location.pathname + location.search);
    }
    return sessionStorage.getItem(TOKEN_KEY);
  }
  function token() { return sessionStorage.getItem(TOKEN_KEY); }

  function showMessage(text) {
    var m = $('message');
    m.textContent = text;
    m.hidden = !text;
  }

  function api(method, path, body) {
    var headers = { authorization: 'Bearer ' + token() };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(path, { method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' })
      .then(function (res) {
        return res.json().then(function (json) {
          if (!res.ok) {
            var e = new Error((json && json.error && json.error.message) || ('HTTP ' + res.status));
            e.status = res.status;
            throw e;
          }
          return json;
        });
      });
  }

  function signedOut(reason) {
    sessionStorage.removeItem(TOKEN_KEY);
    $('dashboard').hidden = true;
    $('login').hidden = false;
    showMessage(reason);
  }

  // ---- rendering -------------------------------------------------------------------------------
  function renderHealth(summary) {
    var h = summary.data.health;
    var badge = $('health-status');
    badge.textContent = h.status;
    badge.className = 'badge ' + h.status;
    $('health-reason').textContent = h.reason;
    var t = summary.data.today;
    var dl = $('today-figures');
    dl.replaceChildren();
    [['Sent today', t.sent_count], ['Delivered', t.delivered_count], ['Delivery rate', fmtPct(t.delivery_rate_percent)],
     ['Failed', t.failed_count], ['LLM success', fmtPct(t.llm_success_rate_percent)],
     ['Cost', fmtUsd(Number(t.llm_cost_usd) + Number(t.sms_cost_usd))], ['Active users', t.active_users],
     ['Open incidents', summary.data.alerts.unresolved_count]].forEach(function (p) {
      dl.appendChild(el('div', { class: 'figure' }, el('dt', { text: p[0] }), el('dd', { text: String(p[1]) })));
    });
    $('today-asof').textContent = 'Health and today\'s figures as of ' + fmtTime(h.as_of)
      + (h.driving_rule ? ' · driven by ' + h.driving_rule : '');
  }

  function chart(id, label, xs, ys, color) {
    var box = $(id);
    var width = Math.max(240, box.clientWidth || 300);
    var opts = {
      width: width, height: 160,
      scales: { x: { time: true } },
      axes: [{ space: 50 }, { size: 50 }],
      legend: { show: false },
      series: [{}, { label: label, stroke: color, width: 2, fill: color + '22', spanGaps: false, points: { size: 5 } }],
    };
    if (charts[id]) { charts[id].setData([xs, ys]); charts[id].setSize({ width: width, height: 160 }); return; }
    if (typeof uPlot === 'undefined') { box.textContent = 'chart library not loaded'; return; }
    charts[id] = new uPlot(opts, [xs, ys], box);
  }

  /** The 7 days from /daily (the 5-minute view), today's point replaced by the tiles' live figures. */
  function renderTrends(daily, today) {
    var rows = daily.data.map(function (r) { return r.metric_date === today.metric_date ? today : r; });
    var xs = rows.map(function (r) { return Date.parse(r.metric_date + 'T00:00:00Z') / 1000; });
    chart('chart-delivery', 'delivery %', xs, rows.map(function (r) { return r.delivery_rate_percent; }), '#1f77b4');
    chart('chart-llm', 'LLM success %', xs, rows.map(function (r) { return r.llm_success_rate_percent; }), '#2ca02c');
    chart('chart-cost', 'cost USD', xs, rows.map(function (r) { return Number(r.llm_cost_usd) + Number(r.sms_cost_usd); }), '#d62728');
    ['chart-delivery', 'chart-llm', 'chart-cost'].forEach(function (id, i) {
      var key = ['delivery_rate_percent', 'llm_success_rate_percent', null][i];
      var desc = rows.map(function (r) {
        var v = key ? r[key] : Number(r.llm_cost_usd) + Number(r.sms_cost_usd);
        return r.metric_date + ': ' + (v === null ? 'no data' : (key ? v + ' %' : fmtUsd(v)));
      }).join('; ');
      $(id).setAttribute('aria-label', $(id).closest('figure').querySelector('figcaption').textContent + ' — ' + desc);
    });
  }

  function actionButton(text, label, handler) {
    var b = el('button', { type: 'button', 'aria-label': label, text: text });
    b.addEventListener('click', function () {
      b.disabled = true;
      handler().then(function () { showMessage(''); refreshSoon(0); },
        function (e) { b.disabled = false; showMessage(label + ' failed: ' + e.message); });
    });
    return b;
  }

  function renderAlerts(alerts, details) {
    var body = $('alerts-table').querySelector('tbody');
    body.replaceChildren();
    $('alerts-count').textContent = '(' + alerts.data.length + ')';
    $('alerts-empty').hidden = alerts.data.length > 0;
    $('alerts-table').hidden = alerts.data.length === 0;
    alerts.data.forEach(function (a, i) {
      var channels = el('ul', { class: 'channels' });
      ((details[i] && details[i].data.channels) || []).forEach(function (c) {
        channels.appendChild(el('li', { class: 'ch ' + (c.status || 'none') }, c.channel + ': ' + c.summary));
      });
      var state = a.acknowledged_at ? 'acknowledged by ' + (a.acknowledged_by || '?') : (a.silenced ? 'silenced' : 'firing');
      var actions = el('td', { class: 'actions' });
      if (!a.acknowledged_at) {
        actions.appendChild(actionButton('Acknowledge', 'Acknowledge ' + a.alert_type, function () {
          return api('POST', '/api/sms/metrics/alerts/' + a.id + '/acknowledge', {});
        }));
      }
      actions.appendChild(actionButton('Resolve', 'Resolve ' + a.alert_type, function () {
        return api('POST', '/api/sms/metrics/alerts', { alert_id: a.id });
      }));
      body.appendChild(el('tr', { 'data-alert-id': a.id, 'data-alert-type': a.alert_type },
        el('th', { scope: 'row' }, a.alert_type, window.SmsIncident.breakdownLink(a)),
        el('td', null, el('span', { class: 'badge ' + a.severity, text: a.severity })),
        el('td', { text: fmtTime(a.triggered_at) }),
        el('td', { text: a.value_text }),
        el('td', null, channels),
        el('td', { class: 'state', text: state }),
        actions));
    });
  }

  /** Incidents resolved in the last 7 days, newest first: how long they were open, who acknowledged and resolved. */
  function renderHistory(history) {
    var body = $('history-table').querySelector('tbody');
    body.replaceChildren();
    var resolved = history.data.filter(function (a) { return a.resolved_at; });
    $('history-empty').hidden = resolved.length > 0;
    $('history-table').hidden = resolved.length === 0;
    resolved.forEach(function (a) {
      body.appendChild(el('tr', { 'data-alert-id': a.id },
        el('th', { scope: 'row', text: a.alert_type }),
        el('td', null, el('span', { class: 'badge ' + a.severity, text: a.severity })),
        el('td', { text: fmtTime(a.triggered_at) }),
        el('td', { text: fmtDuration(a.duration_seconds) }),
        el('td', { text: a.value_text }),
        el('td', { text: a.acknowledged_by ? a.acknowledged_by + ' at ' + fmtTime(a.acknowledged_at) : 'not acknowledged' }),
        el('td', { text: a.resolved_by })));
    });
  }

  /** Each cell gets its column's name, shown before it when a narrow screen stacks the rows. */
  function labelCells(table) {
    var names = [].map.call(table.querySelectorAll('thead th'), function (th) { return th.textContent; });
    [].forEach.call(table.querySelectorAll('tbody tr'), function (tr) {
      [].forEach.call(tr.children, function (cell, i) { cell.setAttribute('data-label', names[i] || ''); });
    });
  }

  function renderUsers(top) {
    var body = $('users-table').querySelector('tbody');
    body.replaceChildren();
    $('users-empty').hidden = top.data.length > 0;
    top.data.forEach(function (u) {
      body.appendChild(el('tr', null, el('td', { text: String(u.rank) }), el('th', { scope: 'row', class: 'mono', text: u.user_id }),
        el('td', { text: String(u.sent) }), el('td', { text: String(u.delivered) }), el('td', { text: String(u.failed) }),
        el('td', { text: fmtPct(u.delivery_rate_percent) }), el('td', { text: Number(u.cost_usd).toFixed(4) })));
    });
  }

  function renderSilences(silences) {
    var list = $('silences-list');
    list.replaceChildren();
    $('silences-empty').hidden = silences.data.length > 0;
    silences.data.forEach(function (s) {
      var what = s.alert_type || 'every rule';
      list.appendChild(el('li', null,
        el('span', { text: what + ' until ' + fmtTime(s.ends_at) + ' — ' + s.reason + ' (' + s.created_by + ') ' }),
        actionButton('Lift', 'Lift silence of ' + what, function () {
          return api('POST', '/api/sms/metrics/silences/' + s.id + '/lift');
        })));
    });
  }

  function renderRules(rules) {
    var body = $('rules-table').querySelector('tbody');
    body.replaceChildren();
    var select = $('silence-rule');
    var chosen = select.value;
    select.replaceChildren(el('option', { value: '', text: 'every rule' }));
    rules.data.forEach(function (r) {
      select.appendChild(el('option', { value: r.alert_type, text: r.alert_type }));
      body.appendChild(el('tr', null, el('th', { scope: 'row', text: r.alert_type }),
        el('td', null, el('span', { class: 'badge ' + r.severity, text: r.severity })),
        el('td', { text: r.metric + ' ' + r.comparison + ' ' + r.threshold_text + ' over ' + r.window_minutes + ' min' }),
        el('td', { text: r.last_action || 'never checked' + (r.is_enabled ? '' : ' (disabled)') }),
        el('td', { text: r.last_value === null ? '—' : r.last_value_text }),
        el('td', { text: fmtTime(r.last_evaluated_at) })));
    });
    select.value = chosen;
  }

  // ---- refresh ---------------------------------------------------------------------------------
  function isoDay(offsetDays, today) {
    var d = new Date(Date.parse(today + 'T00:00:00Z') + offsetDays * 86400000);
    return d.toISOString().slice(0, 10);
  }

  function refresh() {
    if (refreshing) { pending = true; return Promise.resolve(); }
    refreshing = true;
    var by = $('users-by').value;
    return Promise.all([api('GET', '/api/sms/metrics/summary?live=true'),
      api('GET', '/api/sms/metrics/alerts'), api('GET', '/api/sms/metrics/top-users?live=true&days=7&by=' + encodeURIComponent(by)),
      api('GET', '/api/sms/metrics/silences'), api('GET', '/api/sms/metrics/rules')])
      .then(function (r) {
        var today = r[0].data.today.metric_date;
        return Promise.all([api('GET', '/api/sms/metrics/daily?start_date=' + isoDay(-6, today) + '&end_date=' + today),
          api('GET', '/api/sms/metrics/alerts?type=history&limit=50&start_date=' + isoDay(-6, today) + '&end_date=' + today)]
          .concat(r[1].data.map(function (a) { return api('GET', '/api/sms/metrics/alerts/' + a.id); }))
          .concat([window.SmsIncident.refresh(api)]))
          .then(function (more) {
            renderHealth(r[0]);
            renderTrends(more[0], r[0].data.today);
            renderAlerts(r[1], more.slice(2, 2 + r[1].data.length));
            renderHistory(more[1]);
            renderUsers(r[2]);
            renderSilences(r[3]);
            renderRules(r[4]);
            [].forEach.call(document.querySelectorAll('table.stack'), labelCells);
            $('asof').textContent = 'as of ' + fmtTime(r[0].as_of);
            document.body.setAttribute('data-refreshed', String(Date.now()));
            if ($('message').textContent.indexOf('could not refresh') === 0) showMessage('');
          });
      })
      .catch(function (e) {
        if (e.status === 401) signedOut('Your token was refused: ' + e.message);
        else showMessage('could not refresh: ' + e.message);
      })
      .then(function () {
        refreshing = false;
        if (pending) { pending = false; refreshSoon(0); }
      });
  }

  function refreshSoon(ms) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, ms);
  }

  // ---- live events: fetch + a small text/event-stream parser --------------------------------------
  function listen(delay) {
    setTimeout(function () {
      if (!token()) return;
      fetch('/api/sms/metrics/events', { headers: { authorization: 'Bearer ' + token() }, cache: 'no-store' })
        .then(function (res) {
          if (!res.ok || !res.body) throw new Error('HTTP ' + res.status);
          var reader = res.body.getReader();
          var decoder = new TextDecoder();
          var buf = '';
          function pump() {
            return reader.read().then(function (chunk) {
              if (chunk.done) throw new Error('stream ended');
              buf += decoder.decode(chunk.value, { stream: true });
              var parts = buf.split('\n\n');
              buf = parts.pop();
              parts.forEach(function (block) {
                var ev = /^event: (.*)$/m.exec(block);
                if (!ev) return;
                if (ev[1] === 'ready') { $('live').textContent = 'live'; $('live').className = 'live on'; }
                if (ev[1] === 'change') refreshSoon(200);
              });
              return pump();
            });
          }
          return pump();
        })
        .catch(function () {
          $('live').textContent = 'reconnecting…';
          $('live').className = 'live off';
          listen(Math.min((delay || 1000) * 2, 30000));
        });
    }, delay || 0);
  }

  // ---- start -----------------------------------------------------------------------------------
  $('login').addEventListener('submit', function (ev) {
    ev.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token-input').value.trim());
    $('token-input').value = '';
    start();
  });
  $('users-by').addEventListener('change', function () { refreshSoon(0); });
  $('incident-minutes').addEventListener('change', function () { refreshSoon(0); });
  $('silence-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var rule = $('silence-rule').value;
    api('POST', '/api/sms/metrics/silences', { alert_type: rule || null, minutes: Number($('silence-minutes').value),
      reason: $('silence-reason').value })
      .then(function () { $('silence-reason').value = ''; showMessage(''); refreshSoon(0); },
        function (e) { showMessage('Silence failed: ' + e.message); });
  });
  window.addEventListener('resize', function () { refreshSoon(300); });

  var started = false;
  function start() {
    if (!token()) { $('login').hidden = false; return; }
    $('login').hidden = true;
    $('dashboard').hidden = false;
    refresh();
    if (!started) {
      started = true;
      setInterval(function () { if (token()) refresh(); }, POLL_MS);
      listen(0);
    }
  }
  takeTokenFromFragment();
  start();
})();
