/** Bad input ends in one line that names the flag or field, the allowed range and the value given, exit 2, before any work. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { nearest } from '../src/configFlags';
import { trainlab } from './run';

const tmp = () => mkdtempSync(join(tmpdir(), 'trainlab-input-'));

/** A usage error: exit 2, no stack trace, the message on stderr, nothing on stdout. */
function usage(args: string[]) {
  const r = trainlab(args);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stdout).toBe('');
  return r.stderr;
}

describe('flags and config files', () => {
  it('says what an integer flag accepts', () => {
    expect(usage(['signal', '--depth', '2.5', '--out', tmp()])).toMatch(
      /depth \(--depth\): must be an integer from 1 to 1024, got 2\.5/,
    );
  });

  it('suggests the field a config-file typo meant, at every level', () => {
    const dir = tmp();
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ dept: 12, init: { qq: 1 } }));
    const message = usage(['signal', '--config', file, '--out', dir]);
    expect(message).toMatch(/dept: unknown field \(did you mean depth\?\)/);
    expect(message).toMatch(/init\.qq: unknown field \(did you mean q\?\); known: q, k, v, o, mlp/);
    expect(nearest('dmodel', ['dModel', 'depth'])).toBe('dModel');
    expect(nearest('colour', ['depth', 'n'])).toBeUndefined();
  });

  it('refuses heads that do not divide the width, naming the flag (and no advice the command cannot take)', () => {
    const message = usage(['signal', '--d-model', '100', '--heads', '3', '--out', tmp()]);
    expect(message).toMatch(/heads \(--heads\): must be a divisor of dModel = 100, got 3/);
    expect(message).not.toMatch(/headDim/);
  });

  it('sets init σ per group from flags, as the config file would', () => {
    const out = tmp();
    const r = trainlab([
      'grads',
      '--depth',
      '2',
      '--n',
      '6',
      '--d-model',
      '8',
      '--heads',
      '2',
      '--seeds',
      '1',
      '--norms',
      'post',
      '--mlp',
      'false',
      '--scales',
      '1',
      '--init-q',
      '0',
      '--out',
      out,
      '--json',
      '--quiet',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as {
      config: { init: { q: number } };
      summary: { group: string; gradient: number }[];
    };
    expect(result.config.init.q).toBe(0);
    // W_Q = 0 makes every logit 0, so W_K gets no gradient at all.
    for (const row of result.summary.filter((s) => s.group === 'k')) expect(row.gradient).toBe(0);
  });

  it('refuses --noisy for the GDA baselines instead of ignoring it', () => {
    for (const solver of ['gda', 'zo-gda']) {
      expect(usage(['dfo', 'minimax', '--solver', solver, '--noisy'])).toMatch(
        new RegExp(`--noisy needs --solver direct-search .*got --solver ${solver}`),
      );
    }
  });
});

describe('output folder and run store', () => {
  it('names an --out that cannot be created, in one line', () => {
    const dir = tmp();
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const message = usage(['--out', join(file, 'sub'), 'signal', '--depth', '2']);
    expect(message.trim().split('\n')).toHaveLength(1);
    expect(message).toContain(join(file, 'sub'));
    expect(message).toMatch(/a part of the path is a file, not a folder; choose another folder with --out/);
  });

  it('names a damaged run store and says what to do, before any work starts', () => {
    for (const [what, make] of [
      ['junk', (p: string) => writeFileSync(p, 'this is not a database, just some text that is long enough')],
      ['a folder', (p: string) => mkdirSync(p)],
    ] as const) {
      const out = tmp();
      const store = join(out, 'runs.sqlite');
      make(store);
      const message = usage(['--out', out, 'signal', '--depth', '2']);
      expect(message.trim().split('\n'), what).toHaveLength(1);
      expect(message, what).toContain(`the run store ${store} cannot be used`);
      expect(message, what).toMatch(/Rerun with --fresh to move it aside and start a new store/);
      expect(message, what).not.toMatch(/backend: /); // refused before TensorFlow.js started
    }
  });
});

describe('one error convention', () => {
  it('shows user errors of every package as one line (exit 2), system errors as one line (exit 1), anything else as a bug (exit 1)', async () => {
    const { reportError } = await import('../src/program');
    const { AttentionError } = await import('@trainlab/attention');
    const { DiagnosticsError } = await import('@trainlab/diagnostics');
    const { DfoError } = await import('@trainlab/dfo');
    const { RandomError, TensorError, TrainlabError } = await import('@trainlab/tensor');
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      for (const error of [
        new AttentionError('E_CONFIG', 'heads must be 1 or more, got 0'),
        new DiagnosticsError('E_CONFIG', 'depth must be an integer from 1 to 1024, got 0'),
        new DfoError('E_DIMENSION', 'x0 must have 2 entries, got 3'),
        new RandomError('seed must be a safe integer, got 0.5'),
        new TensorError('E_SHAPE', 'a must be 2-D, got 3-D'),
      ]) {
        expect(error).toBeInstanceOf(TrainlabError);
        expect(error.kind).toBe('user');
        written.length = 0;
        expect(reportError(error)).toBe(2);
        expect(written.join('')).toBe(`trainlab: ${error.message}\n`);
      }
      written.length = 0;
      const leak = new TensorError('E_TENSOR_LEAK', '3 tensors leaked');
      expect(leak.kind).toBe('internal');
      expect(reportError(leak)).toBe(1);
      expect(written.join('')).toMatch(/this is a bug in trainlab.*\n.*3 tensors leaked/);
      written.length = 0;
      expect(reportError(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(1);
      expect(written.join('')).toMatch(
        /^trainlab: this is a bug in trainlab; please report it[\s\S]*TypeError[\s\S]*at /,
      );
      written.length = 0;
      const full = Object.assign(new Error('ENOSPC: no space left on device, write'), {
        code: 'ENOSPC',
        syscall: 'write',
      });
      expect(reportError(full)).toBe(1);
      expect(written.join('')).toBe('trainlab: ENOSPC: no space left on device, write\n');
    } finally {
      spy.mockRestore();
    }
  });
});
