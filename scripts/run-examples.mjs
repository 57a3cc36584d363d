// Runs every example in examples/ and the "## Usage" block of every package README, and fails on
// the first that exits non-zero, so that the documentation cannot rot.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const run = (file, cwd) =>
  spawnSync(process.execPath, ['--conditions=@trainlab/source', '--import', 'tsx', file], {
    cwd,
    stdio: 'inherit',
  });

let count = 0;
for (const file of readdirSync(join(root, 'examples'))
  .filter((f) => /^\d\d-.*\.ts$/.test(f))
  .sort()) {
  console.log(`\n▶ examples/${file}`);
  const r = run(join('examples', file), root);
  if (r.status !== 0) fail(`examples/${file}`, r);
  count++;
}

for (const group of ['packages', 'apps']) {
  const dir = join(root, group);
  if (!existsSync(dir)) continue;
  for (const pkg of readdirSync(dir)) {
    const readme = join(dir, pkg, 'README.md');
    if (!existsSync(readme)) continue;
    const usage = readFileSync(readme, 'utf8').split(/^## Usage\s*$/m)[1];
    const block = usage?.match(/```ts\n([\s\S]*?)```/)?.[1];
    if (!block) continue;
    // Written inside the package so that its name resolves exactly as a user's import would.
    const tmp = join(dir, pkg, '.readme-usage.mts');
    writeFileSync(tmp, block);
    console.log(`\n▶ ${group}/${pkg}/README.md (## Usage)`);
    const r = run(tmp, join(dir, pkg));
    rmSync(tmp);
    if (r.status !== 0) fail(`${group}/${pkg}/README.md`, r);
    count++;
  }
}
// Hand-written pages of the documentation site whose first TypeScript block under a heading is a
// whole program: they must keep running too.
for (const [page, heading] of [['apps/docs/guide/index.md', 'In Node']]) {
  const text = readFileSync(join(root, page), 'utf8').split(new RegExp(`^## ${heading}\\s*$`, 'm'))[1];
  const block = text?.match(/```ts\n([\s\S]*?)```/)?.[1];
  if (!block) fail(`${page} (## ${heading}: no \`\`\`ts block)`, { status: 1 });
  const dir = join(root, dirname(page));
  const tmp = join(dir, '.readme-usage.mts');
  writeFileSync(tmp, block);
  console.log(`\n▶ ${page} (## ${heading})`);
  const r = run(tmp, join(root, 'apps/docs'));
  rmSync(tmp);
  if (r.status !== 0) fail(page, r);
  count++;
}
console.log(`\n${count} examples ran`);

function fail(name, r) {
  console.error(`${name} exited with ${r.status ?? r.signal}`);
  process.exit(1);
}
