import type { ActivityHub } from '@activityd/core';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics at `/metrics`: activities by state (read from the store at scrape time),
 * events by type, request latency by route, and the process's own figures.
 */
export function useMetrics(app: FastifyInstance, hub: ActivityHub): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'activityd_' });
  new Gauge({
    name: 'activityd_activities', help: 'Activities in the store, by state', labelNames: ['state'], registers: [registry],
    async collect() {
      this.reset();
      for (const [state, n] of Object.entries(await hub.countByState())) this.set({ state }, n ?? 0);
    },
  });
  const events = new Counter({ name: 'activityd_events_total', help: 'Activity events seen, by type', labelNames: ['type'], registers: [registry] });
  const latency = new Histogram({
    name: 'activityd_http_request_duration_seconds', help: 'HTTP request latency', labelNames: ['method', 'route', 'status'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30, 60], registers: [registry],
  });
  const byType = new Map<string, { inc(): void }>();
  const off = hub.on('event', (e) => {
    let counter = byType.get(e.type);
    if (!counter) byType.set(e.type, (counter = events.labels({ type: e.type })));
    counter.inc();
  });
  app.addHook('onClose', async () => off());
  // One labelled child per method, route and status, so a request costs no label hashing.
  const children = new Map<string, { observe(seconds: number): void }>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unknown';
    const key = `${request.method} ${reply.statusCode} ${route}`;
    let child = children.get(key);
    if (!child) children.set(key, (child = latency.labels({ method: request.method, route, status: reply.statusCode })));
    child.observe(reply.elapsedTime / 1000);
    done();
  });
  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['operations'] } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
}
