import { writeFileSync } from 'node:fs';
import { ActivityHub, MemoryStore } from '@activityd/core';
import { buildServer } from './app.js';

/**
 * Writes the committed OpenAPI document (`docs/openapi.json`) from the route schemas;
 * `npm run openapi` runs it, and a test fails when the committed file drifts.
 */
export async function generateOpenApi(): Promise<string> {
  const hub = new ActivityHub({ store: new MemoryStore() });
  const app = await buildServer({ hub });
  const reply = await app.inject({ method: 'GET', url: '/openapi.json' });
  await app.close();
  return `${JSON.stringify(JSON.parse(reply.body), null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const target = process.argv[2] ?? 'docs/openapi.json';
  writeFileSync(target, await generateOpenApi());
  process.stdout.write(`wrote ${target}\n`);
}
