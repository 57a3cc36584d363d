/** What `--help` and the generated reference say: every flag's default, the global flags on every command, true descriptions. */
import { describe, expect, it } from 'vitest';
import { commandOf, EXPERIMENTS } from '../src/definitions';
import { cliReference } from '../src/reference';
import { trainlab } from './run';

/** The option lines of a help text, joined with their wrapped continuation lines. */
function optionEntries(help: string, section: 'Options' | 'Global Options'): string[] {
  const body = help.split(`\n${section}:\n`)[1]?.split(/\n\n/)[0] ?? '';
  const entries: string[] = [];
  for (const line of body.split('\n')) {
    if (/^ {2}-/.test(line)) entries.push(line.trim());
    else if (entries.length > 0) entries[entries.length - 1] += ` ${line.trim()}`;
  }
  return entries;
}

const NO_DEFAULT = /^(-h, --help|-V, --version|--config|--problem|--module|--export)\b/;

describe('help', () => {
  const commands = [
    ...EXPERIMENTS.map((d) => commandOf(d).join(' ')),
    'reproduce',
    'dfo minimize',
    'dfo minimax',
    'dfo bench', // the old name of dfo more-wild
  ];

  it.each(commands)('%s --help shows every flag’s default and the global flags', (command) => {
    const r = trainlab([...command.split(' '), '--help']);
    expect(r.code).toBe(0);
    const options = optionEntries(r.stdout, 'Options');
    expect(options.length).toBeGreaterThan(1);
    for (const o of options) if (!NO_DEFAULT.test(o)) expect(o, command).toMatch(/default: /);
    const globals = optionEntries(r.stdout, 'Global Options').map((o) => o.split(' ')[0]);
    expect(globals).toEqual(
      expect.arrayContaining(['--seed', '--backend', '--json', '--quiet', '--out', '--fresh', '--workers']),
    );
  });

  it('takes the experiments’ defaults from the runners themselves', () => {
    const signal = trainlab(['signal', '--help']).stdout;
    expect(signal).toMatch(/--depth <value> +blocks L \(config: depth; default: 12\)/);
    expect(signal).toMatch(/--norms <value>[\s\S]*?default: post,pre,none/);
    expect(signal).toMatch(/--init-q <value>/);
    const depth = trainlab(['depth', '--help']).stdout;
    expect(depth).toMatch(/--seeds <value> +seeds per setting[\s\S]*?\(config: seeds; default: 2\)/);
    // Nested fields get flags of their own (sweeps.rho → --sweeps-rho), with their defaults.
    const ratio = trainlab(['ratio', '--help']).stdout;
    expect(ratio).toMatch(/--sweeps-rho <value>[\s\S]*?config: sweeps\.rho; default:\s+0,0\.25,/);
    // The seed is the global --seed; a config file may hold it too.
    expect(ratio).toMatch(
      /Config-file fields without a flag:\n +seed +the first seed[^\n]*\(also --seed\); default: 0/,
    );
  });

  it('names the poll sets the solver accepts, and accepts them', () => {
    const help = trainlab(['dfo', 'minimize', '--help']).stdout;
    expect(help).toContain('minimal-positive-basis');
    const r = trainlab([
      'dfo',
      'minimize',
      '--problem',
      '1',
      '--poll-set',
      'minimal-positive-basis',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('describes --quick as what it is (seconds, no training)', () => {
    const help = trainlab(['reproduce', '--help']).stdout;
    expect(help).toMatch(/--quick +smaller sizes and no training runs \(seconds/);
    expect(help).not.toMatch(/about a minute|15 seconds/);
  });

  it('the generated reference shows the same defaults and the global options', () => {
    const md = cliReference();
    expect(md).toMatch(/\| `--depth <value>` \| blocks L \(config: depth; default: 12\) \|/);
    expect(md).toMatch(/\| `--max-evals <n>` \| evaluation budget \(default: 10000\) \|/);
    expect(md).toMatch(/## Global options[\s\S]*`--workers <n>`/);
    expect(md).toContain('Config-file fields without a flag');
  });
});
