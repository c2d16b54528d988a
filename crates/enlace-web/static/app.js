// Small progressive enhancements; every page works without this file.
'use strict';

// With this file loaded, the phone menu folds behind its button (CSS keys on .js).
document.documentElement.classList.add('js');
// A table wider than the phone scrolls inside its box; keyboard users reach it with Tab.
function scrollables() {
  document.querySelectorAll('main table, main .scroll, main .table-scroll, main .leg-scroll').forEach((el) => {
    if (el.scrollWidth > el.clientWidth + 1) el.setAttribute('tabindex', '0');
  });
}
document.addEventListener('DOMContentLoaded', scrollables);
window.addEventListener('resize', scrollables);
(function menu() {
  const btn = document.getElementById('menu-toggle');
  const nav = document.getElementById('main-nav');
  if (!btn || !nav) return;
  btn.addEventListener('click', () => {
    const open = nav.classList.toggle('open');
    btn.setAttribute('aria-expanded', open ? 'true' : 'false');
  });
})();

document.addEventListener('submit', (ev) => {
  // Buttons that change another person's account ask first.
  const btn = ev.submitter;
  const msg = btn && btn.dataset ? btn.dataset.confirm : null;
  if (msg && !window.confirm(msg)) ev.preventDefault();
});

// Live updates over server-sent events. The browser reconnects by itself and sends the last
// event id, so the server replays what was missed while disconnected.
(function live() {
  const body = document.body;
  if (!body.dataset.events || !window.EventSource) return;
  const since = body.dataset.lastEvent || '0';
  const es = new EventSource('/api/v1/events?since=' + encodeURIComponent(since));
  const parse = (e) => {
    try { return JSON.parse(e.data); } catch (_) { return null; }
  };
  // After a live insert, the parts of the page the server draws (counts, the row itself,
  // times in the reader's zone, names in their language) are fetched again, so the page
  // reads exactly as it would after a reload. The quick insert above stays if this fails.
  const redraw = async (ids, after) => {
    try {
      const res = await fetch(window.location.href, { credentials: 'same-origin' });
      if (!res.ok) return;
      const fresh = new DOMParser().parseFromString(await res.text(), 'text/html');
      for (const sel of ids) {
        const now = document.querySelector(sel);
        const next = fresh.querySelector(sel);
        if (now && next) {
          now.innerHTML = next.innerHTML;
          now.hidden = next.hidden;
        }
      }
      if (after) after();
    } catch (_) { /* offline: keep the quick insert */ }
  };
  const say = (text, href) => {
    const region = document.getElementById('live');
    if (!region) return;
    const p = document.createElement('p');
    const a = document.createElement('a');
    a.textContent = text;
    a.href = href;
    p.appendChild(a);
    region.prepend(p);
  };
  es.addEventListener('notification', (e) => {
    const d = parse(e);
    const badge = document.getElementById('unread-count');
    if (badge) badge.textContent = String((parseInt(badge.textContent, 10) || 0) + 1);
    if (d && d.text) {
      let text = d.text;
      try { const t = JSON.parse(d.text); text = t[document.documentElement.lang] || t.es || d.text; } catch (_) { /* plain text */ }
      say(text, d.link || '/notifications');
    }
  });
  es.addEventListener('alert', (e) => {
    const d = parse(e);
    if (!d) return;
    const list = document.getElementById('alerts-list');
    if (list && !list.querySelector('[data-alert-id="' + CSS.escape(d.id) + '"]')) {
      const li = document.createElement('li');
      li.dataset.alertId = d.id;
      li.className = 'urgency-' + d.urgency + ' new';
      const a = document.createElement('a');
      a.href = d.link;
      a.textContent = d.title;
      li.appendChild(a);
      list.prepend(li);
      const empty = document.getElementById('alerts-empty');
      if (empty) empty.hidden = true;
      redraw(['#alerts-list', '#alerts-empty', 'nav.pager'], () => {
        const again = list.querySelector('[data-alert-id="' + CSS.escape(d.id) + '"]');
        if (again) again.classList.add('new');
      });
    }
  });
  es.addEventListener('alert_ack', (e) => {
    const d = parse(e);
    const title = document.getElementById('alert-title');
    const acks = document.getElementById('acks');
    if (!d || !title || !acks || title.dataset.alertId !== d.id) return;
    if (acks.querySelector('[data-country="' + CSS.escape(d.country) + '"]')) return;
    const li = document.createElement('li');
    li.dataset.country = d.country;
    li.textContent = d.country.toUpperCase() + ' — ' + d.username + ' · ' + d.at;
    acks.appendChild(li);
    const empty = document.getElementById('acks-empty');
    if (empty) empty.hidden = true;
    redraw(['#acks', '#acks-empty']);
  });
  es.addEventListener('alert_reply', (e) => {
    const d = parse(e);
    const title = document.getElementById('alert-title');
    const replies = document.getElementById('replies');
    if (!d || !title || !replies || title.dataset.alertId !== d.id) return;
    const li = document.createElement('li');
    const strong = document.createElement('strong');
    strong.textContent = d.username;
    li.appendChild(strong);
    li.appendChild(document.createTextNode(' (' + d.country + ')'));
    const p = document.createElement('p');
    p.className = 'pre';
    p.textContent = d.body;
    li.appendChild(p);
    replies.appendChild(li);
    redraw(['#replies']);
  });
})();

// File import with upload progress: sends the file to the API (session + CSRF header) and
// shows the report of accepted and rejected lines. Without JavaScript the paste form works.
(function importer() {
  const form = document.getElementById('import-form');
  const file = document.getElementById('import-file');
  if (!form || !file || !window.XMLHttpRequest) return;
  form.addEventListener('submit', (ev) => {
    if (!file.files || file.files.length === 0) return;
    ev.preventDefault();
    const progress = document.getElementById('import-progress');
    const status = document.getElementById('import-status');
    const report = document.getElementById('import-report');
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/import?case_id=' + encodeURIComponent(form.dataset.caseId));
    xhr.setRequestHeader('X-CSRF-Token', form.dataset.csrf);
    xhr.setRequestHeader('Content-Type', 'application/x-ndjson');
    progress.hidden = false;
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) progress.value = Math.round((e.loaded / e.total) * 100);
    };
    xhr.upload.onload = () => { progress.removeAttribute('value'); status.textContent = '…'; };
    xhr.onload = () => {
      progress.hidden = true;
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch (_) { data = null; }
      report.textContent = '';
      if (xhr.status !== 200 || !data) {
        status.textContent = (data && data.error && data.error.message) || ('HTTP ' + xhr.status);
        status.className = 'error';
        return;
      }
      status.className = '';
      status.textContent = '';
      // The same report as the paste form's page: counts, then each rejected line in words.
      const p = document.createElement('p');
      const count = (label, id, n) => {
        const strong = document.createElement('strong');
        strong.textContent = label + ':';
        const span = document.createElement('span');
        span.id = id;
        span.textContent = String(n);
        p.append(strong, ' ', span);
      };
      count(report.dataset.acceptedLabel, 'accepted-count', data.accepted);
      p.append(' · ');
      count(report.dataset.rejectedLabel, 'rejected-count', data.rejected_total);
      report.appendChild(p);
      if (data.rejected.length) {
        const ul = document.createElement('ul');
        ul.id = 'rejected';
        for (const r of data.rejected) {
          const li = document.createElement('li');
          // The message says why in the page's language; the code is for programs.
          li.textContent = report.dataset.lineLabel + ' ' + r.line + ': ' + (r.message || r.code);
          li.dataset.code = r.code;
          ul.appendChild(li);
        }
        report.appendChild(ul);
      }
      // The report lists the first 1,000 rejected lines and counts them all.
      if (data.rejected_total > data.rejected.length) {
        const more = document.createElement('p');
        more.id = 'rejected-shown';
        more.className = 'muted';
        more.textContent = report.dataset.shownLabel;
        report.appendChild(more);
      }
    };
    xhr.onerror = () => { progress.hidden = true; status.textContent = 'network error'; status.className = 'error'; };
    xhr.send(file.files[0]);
  });
})();

// Forms that undo or withdraw something ask first (data-confirm holds the question).
(function confirmations() {
  document.querySelectorAll('form[data-confirm]').forEach((form) => {
    form.addEventListener('submit', (ev) => {
      if (!window.confirm(form.dataset.confirm)) ev.preventDefault();
    });
  });
})();

// A portal publication's PDF: sent as the request body to the API (session + CSRF header),
// then the page reloads to show it.
(function portalUpload() {
  const form = document.getElementById('portal-file-form');
  const file = document.getElementById('portal-file');
  const status = document.getElementById('portal-file-status');
  if (!form || !file || !status) return;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!file.files || file.files.length === 0) return;
    const f = file.files[0];
    status.textContent = '…';
    const res = await fetch('/api/v1/portal/items/' + encodeURIComponent(form.dataset.item) +
      '/file?name=' + encodeURIComponent(f.name), {
      method: 'PUT',
      headers: { 'X-CSRF-Token': form.dataset.csrf, 'Content-Type': 'application/pdf' },
      body: f,
    });
    if (res.ok) {
      window.location.href = window.location.pathname + '?saved=1';
      return;
    }
    let msg = 'HTTP ' + res.status;
    try {
      const data = await res.json();
      const field = data.error && data.error.fields && data.error.fields[0];
      msg = (field && field.message) || (data.error && data.error.message) || msg;
    } catch (_) { /* not JSON */ }
    status.textContent = msg;
    status.className = 'error';
  });
})();

// Statistics import with upload progress: the chosen file goes to the API (session + CSRF
// header) while a <progress> follows the upload; the server's report then lists the periods
// written or every rejected row with its reason. Without a file the pasted CSV posts as a form.
(function statsImporter() {
  const form = document.getElementById('stats-import-form');
  const file = document.getElementById('stats-import-file');
  if (!form || !file || !window.XMLHttpRequest) return;
  form.addEventListener('submit', (ev) => {
    if (!file.files || file.files.length === 0) return;
    ev.preventDefault();
    const f = file.files[0];
    const xlsx = /\.xlsx$/i.test(f.name);
    const progress = document.getElementById('stats-import-progress');
    const status = document.getElementById('stats-import-status');
    const report = document.getElementById('stats-import-report');
    const reason = document.getElementById('stats-import-reason');
    let columns = {};
    try { columns = JSON.parse(report.dataset.columns || '{}'); } catch (_) { columns = {}; }
    let url = '/api/v1/statistics/' + encodeURIComponent(form.dataset.country) + '/' +
      encodeURIComponent(form.dataset.indicator) + '/import?format=' + (xlsx ? 'xlsx' : 'csv');
    if (reason && reason.value.trim()) url += '&reason=' + encodeURIComponent(reason.value.trim());
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('X-CSRF-Token', form.dataset.csrf);
    xhr.setRequestHeader('Content-Type', xlsx
      ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv');
    progress.hidden = false;
    progress.value = 0;
    status.className = '';
    status.textContent = '0%';
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) {
        progress.value = Math.round((e.loaded / e.total) * 100);
        status.textContent = progress.value + '%';
      }
    };
    // Uploaded: the server is checking every row (an indeterminate bar meanwhile).
    xhr.upload.onload = () => { progress.removeAttribute('value'); status.textContent = '…'; };
    xhr.onload = () => {
      progress.hidden = true;
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch (_) { data = null; }
      report.textContent = '';
      if (!data || (xhr.status !== 200 && !Array.isArray(data.rejected))) {
        status.textContent = (data && data.error && data.error.message) || ('HTTP ' + xhr.status);
        status.className = 'error';
        return;
      }
      status.textContent = '';
      const p = document.createElement('p');
      const strong = document.createElement('strong');
      strong.textContent = report.dataset.rowsLabel + ':';
      const rows = document.createElement('span');
      rows.id = 'stats-import-rows';
      rows.textContent = String(data.rows);
      p.append(strong, ' ', rows);
      report.appendChild(p);
      if (!data.rejected.length) {
        const ok = document.createElement('p');
        ok.id = 'stats-import-ok';
        ok.textContent = report.dataset.writtenLabel + ':';
        const ul = document.createElement('ul');
        ul.id = 'stats-import-periods';
        for (const [period, rev] of Object.entries(data.periods || {})) {
          const li = document.createElement('li');
          li.textContent = period + ' · ' + report.dataset.revisionLabel + ' ' + rev;
          ul.appendChild(li);
        }
        report.append(ok, ul);
        return;
      }
      const refused = document.createElement('p');
      refused.id = 'stats-import-refused';
      refused.className = 'error';
      refused.textContent = report.dataset.nothingLabel;
      const h = document.createElement('h2');
      h.textContent = report.dataset.rejectedLabel;
      const ul = document.createElement('ul');
      ul.id = 'stats-import-rejected';
      for (const r of data.rejected) {
        const li = document.createElement('li');
        const where = r.line > 0 ? report.dataset.lineLabel + ' ' + r.line + ' · ' : '';
        li.textContent = where + (columns[r.column] || r.column) + ': ' + (r.message || r.code);
        ul.appendChild(li);
      }
      report.append(refused, h, ul);
      if (data.more_rejected > 0) {
        const more = document.createElement('p');
        more.className = 'muted';
        more.textContent = report.dataset.moreLabel.replace('%n%', String(data.more_rejected));
        report.appendChild(more);
      }
    };
    xhr.onerror = () => { progress.hidden = true; status.textContent = 'network error'; status.className = 'error'; };
    xhr.send(f);
  });
})();
