/** The monitor's HTML page: a shell the script fills in. It holds no data, so it is served without the token. */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>routilux monitor</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header>
  <h1>routilux monitor</h1>
  <span id="connection" data-testid="connection" class="conn conn-off">connecting</span>
</header>
<section id="auth" class="panel" hidden>
  <form id="auth-form">
    <label>This monitor needs a token <input id="token-input" data-testid="token-input" type="password" autocomplete="off"></label>
    <button type="submit" data-testid="token-submit">Connect</button>
    <p id="auth-error" class="error"></p>
  </form>
</section>
<main id="main" hidden>
  <section class="panel">
    <h2>Workers</h2>
    <table data-testid="workers">
      <thead><tr><th>worker</th><th>flow</th><th>status</th><th>live jobs</th><th></th></tr></thead>
      <tbody id="workers-body"></tbody>
    </table>
  </section>
  <section class="panel">
    <h2>Jobs</h2>
    <div class="controls">
      <select id="status-filter" data-testid="status-filter" aria-label="status">
        <option value="">all statuses</option>
        <option value="pending">pending</option>
        <option value="running">running</option>
        <option value="completed">completed</option>
        <option value="failed">failed</option>
        <option value="cancelled">cancelled</option>
        <option value="timedOut">timedOut</option>
      </select>
      <input id="search" data-testid="search" type="search" placeholder="job id or metadata value" aria-label="search">
      <button id="newer" type="button" data-testid="newer">&lsaquo; newer</button>
      <span id="jobs-count" data-testid="jobs-count"></span>
      <button id="older" type="button" data-testid="older">older &rsaquo;</button>
    </div>
    <table data-testid="jobs">
      <thead><tr><th>job</th><th>flow</th><th>worker</th><th>status</th><th>created</th><th>took</th><th>error</th><th></th></tr></thead>
      <tbody id="jobs-body"></tbody>
    </table>
  </section>
  <section id="detail" class="panel" data-testid="detail" hidden>
    <div class="detail-head"><h2 id="detail-title"></h2><button id="detail-close" type="button">close</button></div>
    <div id="detail-body"></div>
  </section>
</main>
</body>
</html>
`;
