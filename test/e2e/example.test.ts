import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const EXAMPLE = fileURLToPath(new URL('../../examples/embed.js', import.meta.url));

it('the embedding example answers 202 + X-Activity and the activity completes with its result', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'activityd-example-'));
  const proc = spawn(process.execPath, [EXAMPLE], {
    env: { ...process.env, PORT: '0', EXAMPLE_DB: join(dir, 'db.sqlite'), EXAMPLE_TOKEN: 't', EXAMPLE_STEP_MS: '20' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      proc.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening on (http:\/\/\S+?)\/\s/.exec(out);
        if (match) resolve(match[1]!);
      });
      proc.once('exit', (code) => reject(new Error(`example exited with ${code}`)));
    });
    const accepted = await fetch(`${url}/library/scan`, { method: 'POST' });
    expect(accepted.status).toBe(202);
    const id = accepted.headers.get('x-activity');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(accepted.headers.get('location')).toBe(`/v1/activities/${id}`);
    const done = await fetch(`${url}${accepted.headers.get('location')}?wait=10`, { headers: { authorization: 'Bearer t' } });
    const activity = (await done.json()) as { state: string; progress: number; result: unknown };
    expect(activity).toMatchObject({ state: 'completed', progress: 100, result: { scanned: 4 } });
  } finally {
    proc.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});
