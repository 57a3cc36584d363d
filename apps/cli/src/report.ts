/**
 * The report of `trainlab reproduce` (report.md, report.html, report.json): each finding's figure,
 * reading and verdict, and how the report was made — the command, seed, backend and why, the
 * versions of every package and of TensorFlow.js, the git commit, the date and the duration — so a
 * reader can tell what produced it. Paths in the report are relative to the output folder, so the
 * folder can be moved or shared as a whole.
 */

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendInfo } from '@trainlab/tensor';
import type { Context } from './context';
import { hidePassword } from './context';
import { jsonNumbers, type OutputFiles } from './experiments';
import type { Finding } from './reproduce';
import { VERSIONS } from './versions';

/** How a report was made. */
export interface Provenance {
  /** The command line as typed, e.g. `trainlab reproduce --quick`. */
  command: string;
  quick: boolean;
  seed: number;
  backend: { name: string; message: string; skipped: BackendInfo['skipped'] };
  /** Every `@trainlab` package, TensorFlow.js and Node. */
  versions: Record<string, string>;
  /** The commit of the trainlab checkout that ran (with `-dirty` for local changes), or null outside git. */
  gitCommit: string | null;
  /** ISO 8601 start and end, and the duration in seconds. */
  started: string;
  finished: string;
  seconds: number;
  platform: string;
}

/** The commit of the checkout this CLI runs from, or null when it is not in a git work tree. */
export function gitCommit(from: string = dirname(fileURLToPath(import.meta.url))): string | null {
  const git = (args: string[]) =>
    execFileSync('git', ['-C', from, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    }).trim();
  try {
    const commit = git(['rev-parse', 'HEAD']);
    const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';
    return `${commit}${dirty ? '-dirty' : ''}`;
  } catch {
    return null;
  }
}

/** The command line that is running, with the program named `trainlab`. */
export function commandLine(argv: readonly string[] = process.argv): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`);
  return ['trainlab', ...argv.slice(2).map((a) => quote(hidePassword(a)))].join(' ');
}

/** A finding with its files relative to the output folder. */
function relativeFiles(out: string, files: OutputFiles): Record<string, string> {
  return Object.fromEntries(
    Object.entries(files)
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
      .map(([k, p]) => [k, relative(out, p)]),
  );
}

/** Writes report.md, report.html and report.json into the output folder; returns the provenance. */
export function writeReport(
  ctx: Context,
  findings: Finding[],
  run: { quick: boolean; seed: number; started: Date; backend: BackendInfo },
): Provenance {
  const finished = new Date();
  const provenance: Provenance = {
    command: commandLine(),
    quick: run.quick,
    seed: run.seed,
    backend: { name: run.backend.name, message: run.backend.message, skipped: run.backend.skipped },
    versions: { ...VERSIONS, '@tensorflow/tfjs-core': run.backend.tfjsVersion },
    gitCommit: gitCommit(),
    started: run.started.toISOString(),
    finished: finished.toISOString(),
    seconds: Math.round((finished.getTime() - run.started.getTime()) / 100) / 10,
    platform: `${process.platform} ${process.arch}, Node ${process.versions.node}`,
  };
  const rel = (p: string) => relative(ctx.out, p);
  const agreeing = findings.filter((f) => f.agrees).length;
  const summary =
    `${run.quick ? 'Quick sizes' : 'Default sizes'}; ${agreeing} of ${findings.length} results agree with the papers' claims. ` +
    'Rank collapse: Noci et al., NeurIPS 2022 (arXiv:2206.03126). Direct search: Anagnostidis, Lucchi & Diouane, AISTATS 2021 (arXiv:2102.11386).';
  const how: [string, string][] = [
    ['command', provenance.command],
    ['seed', String(provenance.seed)],
    ['backend', provenance.backend.message],
    [
      'versions',
      Object.entries(provenance.versions)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ],
    ['git commit', provenance.gitCommit ?? 'none (not run from a git checkout)'],
    ['date', `${provenance.started} to ${provenance.finished} (${provenance.seconds} s)`],
    ['platform', provenance.platform],
  ];

  const md: string[] = ['# trainlab reproduce', '', summary, '', '## How this report was made', ''];
  md.push('| | |', '| --- | --- |', ...how.map(([k, v]) => `| ${k} | ${v.replace(/\|/g, '\\|')} |`), '');
  const html: string[] = [
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>trainlab reproduce</title>',
    '<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2rem auto;padding:0 1rem;line-height:1.5}img{max-width:100%;border:1px solid #ddd}.yes{color:#17663a}.no{color:#a11}code{font-size:90%}th{text-align:left;padding-right:1rem;vertical-align:top}</style>',
    '</head><body><h1>trainlab reproduce</h1>',
    `<p>${escapeHtml(summary)}</p>`,
    '<h2>How this report was made</h2><table>',
    ...how.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`),
    '</table>',
  ];
  for (const f of findings) {
    const data = [f.files.json, f.files.csv, ...(f.files.rowsCsv ? [f.files.rowsCsv] : [])];
    const verdict = f.agrees ? 'agrees with the paper' : 'does NOT agree with the paper';
    md.push(
      `## ${f.title}`,
      '',
      `![${f.title}](${rel(f.files.png)})`,
      '',
      f.reading,
      '',
      `**Claim (${f.paper}):** ${f.claim} — ${f.agrees ? '✅' : '❌'} ${verdict}.`,
      '',
      `Data: ${data.map((p) => `[${rel(p)}](${rel(p)})`).join(', ')}`,
      '',
    );
    html.push(
      `<h2>${escapeHtml(f.title)}</h2>`,
      `<img src="${rel(f.files.png)}" alt="${escapeHtml(f.title)}">`,
      `<p>${escapeHtml(f.reading)}</p>`,
      `<p><b>Claim (${f.paper}):</b> ${escapeHtml(f.claim)} — <span class="${f.agrees ? 'yes' : 'no'}">${verdict}</span>.</p>`,
      `<p>Data: ${data.map((p) => `<a href="${rel(p)}"><code>${rel(p)}</code></a>`).join(', ')}</p>`,
    );
  }
  html.push('</body></html>');
  writeFileSync(join(ctx.out, 'report.md'), `${md.join('\n')}\n`);
  writeFileSync(join(ctx.out, 'report.html'), `${html.join('\n')}\n`);
  const json = {
    provenance,
    findings: findings.map((f) => ({ ...f, files: relativeFiles(ctx.out, f.files) })),
  };
  writeFileSync(join(ctx.out, 'report.json'), `${JSON.stringify(json, jsonNumbers, 2)}\n`);
  return provenance;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
