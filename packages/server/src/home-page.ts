/** What `GET /` shows when the dashboard was not built: where to go next, and how to build it. */
export const HOME_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>activityd</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}code{background:#8882;padding:0 .2em}</style>
</head><body>
<h1>activityd</h1>
<p>Long-running operations as activities: progress, cancellation, results, live events.</p>
<p><strong>The dashboard was not built.</strong> Run <code>npm run build</code> (or <code>npm start</code>, which builds first) and reload.</p>
<ul>
<li><a href="/openapi.json">OpenAPI document</a> of the native API</li>
<li><code>GET /v1/activities</code> with <code>Authorization: Bearer &lt;token&gt;</code> lists what is running</li>
<li><a href="/healthz">/healthz</a> · <a href="/readyz">/readyz</a> · <a href="/metrics">/metrics</a></li>
</ul>
<p>The README in the repository has curl examples of every route.</p>
</body></html>`;
