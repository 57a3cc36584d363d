// Builds workspace packages with turbo and keeps stdout clean. Turbo's own output (its banner, the
// task summary, the telemetry notice) is captured and shown, on stderr, only when the build fails;
// a build that takes more than a moment says so on stderr with the time elapsed. Used by
// `pnpm trainlab` (scripts/trainlab.mjs), `pnpm site` and the test setups that need built packages.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

/**
 * Runs `turbo run build --filter=<filter>`; resolves when it succeeds, rejects with turbo's output
 * otherwise. `label` starts every progress line (e.g. "trainlab").
 */
export function buildQuietly(filter, { label = 'build', stream = process.stderr, quiet = false } = {}) {
  const started = Date.now();
  const child = spawn(
    join(root, 'node_modules', '.bin', 'turbo'),
    ['run', 'build', `--filter=${filter}`, '--output-logs=errors-only', '--no-color'],
    {
      cwd: root,
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  const say = (text) => {
    if (!quiet) stream.write(`${label}: ${text}\n`);
  };
  // A cache hit takes well under a second: only a real build is announced.
  const first = setTimeout(() => {
    say(`building ${filter} (turbo; later runs are a cache hit)…`);
  }, 1500);
  const beat = setInterval(() => {
    say(`still building… ${Math.round((Date.now() - started) / 1000)} s`);
  }, 15_000);
  return new Promise((resolve, reject) => {
    child.on('error', (error) => {
      clearTimeout(first);
      clearInterval(beat);
      reject(new Error(`${label}: cannot start turbo (${error.message}); run pnpm install first`));
    });
    child.on('close', (code) => {
      clearTimeout(first);
      clearInterval(beat);
      const seconds = (Date.now() - started) / 1000;
      if (code === 0) {
        if (seconds > 1.5) say(`built in ${seconds.toFixed(0)} s`);
        resolve();
      } else {
        reject(new Error(`${label}: the build of ${filter} failed (exit ${code}):\n${output.trim()}`));
      }
    });
  });
}
