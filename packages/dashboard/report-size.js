// Prints the gzipped size of the built JavaScript and fails the build past the budget (issue 10:
// under 60 kB gzipped), so a heavy dependency cannot slip in unnoticed.
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET = 60 * 1024;
const dir = new URL('./dist/assets/', import.meta.url);
let raw = 0;
let gzipped = 0;
for (const name of readdirSync(dir)) {
  if (!name.endsWith('.js')) continue;
  const bytes = readFileSync(new URL(name, dir));
  raw += bytes.length;
  gzipped += gzipSync(bytes, { level: 9 }).length;
}
const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
console.log(`dashboard JavaScript: ${kb(raw)}, ${kb(gzipped)} gzipped (budget ${kb(BUDGET)})`);
if (gzipped > BUDGET) {
  console.error('the dashboard JavaScript is over its gzipped budget');
  process.exit(1);
}
