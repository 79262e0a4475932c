/** The monitor page's script: tables, detail panels, live updates. Plain ES2017, no dependencies. */
export const APP_SCRIPT = String.raw`'use strict';
// Every value that comes from a job (ids, metadata, data, errors, trace) is written with textContent, never as HTML.
(function () {
  var TOKEN_KEY = 'routilux.monitor.token';
  var PAGE_SIZE = 50;
  var state = { token: sessionStorage.getItem(TOKEN_KEY) || '', status: '', q: '', offset: 0, total: 0, detail: null, flows: null, stream: null };
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, props) {
    var node = document.createElement(tag);
    if (props) {
      if (props.className) node.className = props.className;
      if (props.testid) node.setAttribute('data-testid', props.testid);
      if (props.data) Object.keys(props.data).forEach(function (k) { node.setAttribute('data-' + k, String(props.data[k])); });
      if (props.onclick) node.addEventListener('click', props.onclick);
      if (props.title) node.title = String(props.title);
    }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  function json(value) { return JSON.stringify(value, null, 2); }
  function time(ms) { return ms ? new Date(ms).toLocaleTimeString() + '.' + String(ms % 1000).padStart(3, '0') : ''; }
  function took(job) { return job.completedAt ? (job.completedAt - job.createdAt) + ' ms' : ''; }
  function errorText(error) {
    if (error === null || error === undefined) return '';
    if (typeof error === 'object' && 'message' in error) return (error.name ? error.name + ': ' : '') + error.message;
    return typeof error === 'string' ? error : json(error);
  }
  function statusBadge(status) { return el('span', { className: 'status status-' + String(status).replace(/[^A-Za-z]/g, ''), testid: 'status' }, status); }

  function api(path, options) {
    options = options || {};
    var headers = { Accept: 'application/json' };
    if (state.token) headers.Authorization = 'Bearer ' + state.token;
    return fetch(path, { method: options.method || 'GET', headers: headers, signal: options.signal }).then(function (response) {
      if (response.status === 401) { askForToken(state.token ? 'That token was refused.' : ''); throw new Error('unauthorized'); }
      return response;
    });
  }
  function apiJson(path, options) {
    return api(path, options).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(body && body.message ? body.message : 'HTTP ' + response.status);
        return { body: body, response: response };
      });
    });
  }

  function askForToken(message) {
    $('main').hidden = true;
    $('auth').hidden = false;
    $('auth-error').textContent = message || '';
    if (state.stream) state.stream.abort();
  }
  $('auth-form').addEventListener('submit', function (event) {
    event.preventDefault();
    state.token = $('token-input').value;
    sessionStorage.setItem(TOKEN_KEY, state.token);
    start();
  });

  // ------------------------------------------------------------------ workers
  function loadWorkers() {
    return apiJson('/api/workers').then(function (result) {
      var body = $('workers-body');
      body.replaceChildren.apply(body, result.body.map(workerRow));
    });
  }
  function workerRow(w) {
    var actions = el('td', null);
    var live = w.status === 'running' || w.status === 'paused';
    if (w.status === 'running') actions.appendChild(el('button', { testid: 'pause', onclick: act('/api/workers/' + encodeURIComponent(w.workerId) + '/pause') }, 'pause'));
    if (w.status === 'paused') actions.appendChild(el('button', { testid: 'resume', onclick: act('/api/workers/' + encodeURIComponent(w.workerId) + '/resume') }, 'resume'));
    if (live) actions.appendChild(el('button', { testid: 'stop', onclick: act('/api/workers/' + encodeURIComponent(w.workerId) + '/stop') }, 'stop'));
    return el('tr', { data: { 'worker-id': w.workerId }, onclick: function () { openWorker(w.workerId); } },
      el('td', { title: w.workerId }, w.workerId), el('td', null, w.flowId), el('td', null, statusBadge(w.status)), el('td', { testid: 'live-jobs' }, w.liveJobs), actions);
  }
  function act(path) {
    return function (event) {
      event.stopPropagation();
      event.target.disabled = true;
      apiJson(path, { method: 'POST' }).catch(showError).then(refreshSoon);
    };
  }

  // ------------------------------------------------------------------ jobs
  function loadJobs() {
    var query = '?limit=' + PAGE_SIZE + '&offset=' + state.offset;
    if (state.status) query += '&status=' + encodeURIComponent(state.status);
    if (state.q) query += '&q=' + encodeURIComponent(state.q);
    return apiJson('/api/jobs' + query).then(function (result) {
      state.total = Number(result.response.headers.get('X-Total-Count') || result.body.length);
      var body = $('jobs-body');
      body.replaceChildren.apply(body, result.body.map(jobRow));
      var first = state.total ? state.offset + 1 : 0;
      $('jobs-count').textContent = first + '–' + (state.offset + result.body.length) + ' of ' + state.total;
      $('newer').disabled = state.offset === 0;
      $('older').disabled = state.offset + PAGE_SIZE >= state.total;
    });
  }
  function jobRow(j) {
    var actions = el('td', null);
    if (j.status === 'running' || j.status === 'pending') actions.appendChild(el('button', { testid: 'cancel', onclick: act('/api/jobs/' + encodeURIComponent(j.jobId) + '/cancel') }, 'cancel'));
    return el('tr', { data: { 'job-id': j.jobId }, onclick: function () { openJob(j.jobId); } },
      el('td', { title: j.jobId }, j.jobId), el('td', null, j.flowId), el('td', { title: j.workerId }, j.workerId), el('td', null, statusBadge(j.status)),
      el('td', null, time(j.createdAt)), el('td', null, took(j)), el('td', { className: 'error', title: errorText(j.error) }, errorText(j.error)), actions);
  }
  $('status-filter').addEventListener('change', function () { state.status = this.value; state.offset = 0; loadJobs().catch(showError); });
  var searchTimer;
  $('search').addEventListener('input', function () {
    var value = this.value.trim();
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () { state.q = value; state.offset = 0; loadJobs().catch(showError); }, 200);
  });
  $('newer').addEventListener('click', function () { state.offset = Math.max(0, state.offset - PAGE_SIZE); loadJobs().catch(showError); });
  $('older').addEventListener('click', function () { state.offset += PAGE_SIZE; loadJobs().catch(showError); });

  // ------------------------------------------------------------------ detail: a job
  function openJob(jobId) {
    state.detail = { kind: 'job', id: jobId };
    return apiJson('/api/jobs/' + encodeURIComponent(jobId)).then(function (result) { renderJob(result.body); }).catch(showError);
  }
  function renderJob(job) {
    if (!state.detail || state.detail.kind !== 'job' || state.detail.id !== job.jobId) return;
    var live = job.status === 'running' || job.status === 'pending';
    var parts = [
      el('dl', null,
        el('dt', null, 'status'), el('dd', { testid: 'job-status' }, statusBadge(job.status)),
        el('dt', null, 'flow'), el('dd', null, job.flowId),
        el('dt', null, 'worker'), el('dd', null, job.workerId),
        el('dt', null, 'created'), el('dd', null, time(job.createdAt)),
        el('dt', null, 'completed'), el('dd', null, time(job.completedAt) + (job.completedAt ? ' (' + took(job) + ')' : '')),
        el('dt', null, 'error'), el('dd', { className: 'error', testid: 'job-error' }, errorText(job.error) + (job.failedRoutineId ? ' in ' + job.failedRoutineId : ''))),
      live ? el('button', { testid: 'detail-cancel', onclick: act('/api/jobs/' + encodeURIComponent(job.jobId) + '/cancel') }, 'cancel job') : null,
      el('h3', null, 'trace'), timeline(job),
      el('h3', null, 'metadata'), el('pre', { testid: 'job-metadata' }, json(job.metadata)),
      el('h3', null, 'data'), el('pre', { testid: 'job-data' }, json(job.data)),
    ];
    if (job.output && job.output.length) parts.push(el('h3', null, 'output'), el('pre', { testid: 'job-output' }, job.output.join('\n')));
    if (job.unconsumed) parts.push(el('h3', null, 'unconsumed'), el('pre', { testid: 'job-unconsumed' }, json(job.unconsumed)));
    showDetail('Job ' + job.jobId, parts);
  }
  // Activations as bars over the job's life (when the monitor saw them start), trace entries as marks, in time order.
  function timeline(job) {
    var entries = job.traceLog || [];
    var runs = job.activations || [];
    var last = job.completedAt || Date.now();
    entries.forEach(function (e) { last = Math.max(last, e.timestamp); });
    runs.forEach(function (a) { last = Math.max(last, a.endedAt || a.startedAt); });
    var span = Math.max(1, last - job.createdAt);
    var pct = function (ms) { return Math.min(100, Math.max(0, ((ms - job.createdAt) / span) * 100)); };
    var rows = runs.map(function (a) { return { at: a.startedAt, run: a }; }).concat(entries.map(function (e) { return { at: e.timestamp, entry: e }; }));
    rows.sort(function (x, y) { return x.at - y.at; });
    var list = el('ol', { className: 'timeline', testid: 'timeline' });
    if (job.traceDropped) list.appendChild(el('li', null, el('span', { className: 'at' }, ''), el('span', null, job.traceDropped + ' older entries dropped')));
    rows.forEach(function (row) {
      var bar = el('div', { className: row.run ? 'bar' : 'mark' });
      bar.style.marginLeft = pct(row.at) + '%';
      if (row.run) {
        var end = row.run.endedAt === null ? last : row.run.endedAt;
        bar.style.width = Math.max(0.5, pct(end) - pct(row.at)) + '%';
        if (row.run.error !== null) bar.className = 'bar bar-error';
        var what = row.run.endedAt === null ? 'running' : (row.run.endedAt - row.run.startedAt) + ' ms';
        list.appendChild(el('li', { testid: 'activation' },
          el('span', { className: 'at' }, '+' + (row.at - job.createdAt) + ' ms'), el('span', null, row.run.routineId), el('span', null, 'run #' + row.run.attempt + ' · ' + what),
          el('div', null, bar, el('div', { className: 'details error' }, row.run.error === null ? '' : row.run.error))));
      } else {
        var entry = row.entry;
        list.appendChild(el('li', { testid: 'trace-entry' },
          el('span', { className: 'at' }, '+' + (row.at - job.createdAt) + ' ms'), el('span', null, entry.routineId || '(job)'), el('span', null, entry.action),
          el('div', null, bar, el('div', { className: 'details' }, entry.details === undefined ? '' : json(entry.details)))));
      }
    });
    if (!rows.length) list.appendChild(el('li', null, el('span', null, 'no activations or trace entries recorded')));
    return list;
  }

  // ------------------------------------------------------------------ detail: a worker and its flow
  function openWorker(workerId) {
    state.detail = { kind: 'worker', id: workerId };
    var flows = state.flows ? Promise.resolve(state.flows) : apiJson('/api/flows').then(function (r) { return (state.flows = r.body); });
    return Promise.all([apiJson('/api/workers/' + encodeURIComponent(workerId)), flows]).then(function (results) {
      renderWorker(results[0].body, results[1]);
    }).catch(showError);
  }
  function renderWorker(worker, flows) {
    if (!state.detail || state.detail.kind !== 'worker' || state.detail.id !== worker.workerId) return;
    var flow = flows.filter(function (f) { return f.flowId === worker.flowId; })[0];
    showDetail('Worker ' + worker.workerId, [
      el('dl', null,
        el('dt', null, 'status'), el('dd', { testid: 'worker-status' }, statusBadge(worker.status)),
        el('dt', null, 'flow'), el('dd', null, worker.flowId),
        el('dt', null, 'live jobs'), el('dd', null, worker.liveJobs)),
      el('h3', null, 'routine states'), el('pre', { testid: 'routine-states' }, json(worker.routineStates)),
      el('h3', null, 'flow'),
      flow ? el('div', { className: 'diagram', testid: 'diagram' }, window.routiluxDiagram(flow.graph)) : el('p', null, 'This flow is not in the FlowRegistry.'),
      flow ? el('details', null, el('summary', null, 'Mermaid'), el('pre', { testid: 'mermaid' }, flow.mermaid)) : null,
    ]);
  }

  function showDetail(title, parts) {
    $('detail').hidden = false;
    $('detail-title').textContent = title;
    var body = $('detail-body');
    body.replaceChildren.apply(body, parts.filter(Boolean));
  }
  $('detail-close').addEventListener('click', function () { state.detail = null; $('detail').hidden = true; });
  function refreshDetail() {
    if (!state.detail) return;
    if (state.detail.kind === 'job') openJob(state.detail.id); else openWorker(state.detail.id);
  }

  // ------------------------------------------------------------------ live updates
  var refreshTimer = null;
  var dirty = { workers: false, jobs: false, detail: false };
  function refreshSoon(what) {
    if (!what || what.workers) dirty.workers = true;
    if (!what || what.jobs) dirty.jobs = true;
    if (!what || what.detail) dirty.detail = true;
    if (refreshTimer) return;
    refreshTimer = setTimeout(function () {
      refreshTimer = null;
      var d = dirty;
      dirty = { workers: false, jobs: false, detail: false };
      if (d.workers) loadWorkers().catch(showError);
      if (d.jobs) loadJobs().catch(showError);
      if (d.detail) refreshDetail();
    }, 250);
  }
  function onEvent(type, data) {
    if (type === 'job') refreshSoon({ jobs: true, workers: true, detail: !!(state.detail && state.detail.kind === 'job' && state.detail.id === data.jobId) });
    if (type === 'worker') refreshSoon({ workers: true, detail: !!(state.detail && state.detail.kind === 'worker' && state.detail.id === data.workerId) });
  }
  // EventSource cannot send an Authorization header, so the stream is read with fetch.
  function connect() {
    var controller = new AbortController();
    state.stream = controller;
    api('/api/events', { signal: controller.signal }).then(function (response) {
      if (!response.ok || !response.body) throw new Error('event stream: HTTP ' + response.status);
      setConnected(true);
      refreshSoon();
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var buffer = '';
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) throw new Error('event stream ended');
          buffer += decoder.decode(chunk.value, { stream: true });
          var frames = buffer.split('\n\n');
          buffer = frames.pop();
          frames.forEach(function (frame) {
            var type = 'message', data = '';
            frame.split('\n').forEach(function (line) {
              if (line.indexOf('event:') === 0) type = line.slice(6).trim();
              else if (line.indexOf('data:') === 0) data += line.slice(5).trim();
            });
            if (data) { try { onEvent(type, JSON.parse(data)); } catch (e) { /* a malformed frame is skipped */ } }
          });
          return pump();
        });
      }
      return pump();
    }).catch(function () {
      setConnected(false);
      if (!controller.signal.aborted) setTimeout(connect, 1000);
    });
  }
  function setConnected(on) {
    var node = $('connection');
    node.textContent = on ? 'live' : 'disconnected';
    node.className = 'conn ' + (on ? 'conn-on' : 'conn-off');
  }
  function showError(error) {
    if (error && error.message === 'unauthorized') return;
    var node = $('connection');
    node.textContent = 'error: ' + (error && error.message ? error.message : String(error));
  }

  function start() {
    if (state.stream) state.stream.abort();
    Promise.all([loadWorkers(), loadJobs()]).then(function () {
      $('auth').hidden = true;
      $('main').hidden = false;
      connect();
    }).catch(showError);
  }
  start();
})();
`;
