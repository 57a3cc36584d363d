import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { blankFraction, toPng, toSvg } from '../src/render';
import { start, storedCells, trainlab } from './run';

const tmp = () => mkdtempSync(join(tmpdir(), 'trainlab-cli-'));

describe('trainlab', () => {
  it('prints help for every command, with an example', () => {
    const top = trainlab(['--help']);
    expect(top.code).toBe(0);
    for (const c of [
      'reproduce',
      'signal',
      'depth',
      'grads',
      'ratio',
      'collapse',
      'dong',
      'dfo',
      'backend',
    ]) {
      expect(top.stdout).toContain(c);
    }
    const signal = trainlab(['signal', '--help']);
    expect(signal.code).toBe(0);
    expect(signal.stdout).toMatch(/Example:\n {2}trainlab signal/);
  });

  it('reproduce --quick writes every figure, data file and the report, and a rerun reads every cell back', () => {
    const out = tmp();
    const r = trainlab(['reproduce', '--quick', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as {
      findings: {
        id: string;
        paper: string;
        agrees: boolean;
        files: Record<string, string>;
        counts: { computed: number; reused: number };
      }[];
    };
    expect(result.findings.map((f) => f.id)).toEqual([
      'signal',
      'depth',
      'grads',
      'collapse',
      'ratio',
      'dong',
      'entropy',
      'phase',
      'kernel',
      'coord-check',
      'games',
      'more-wild',
    ]);
    for (const f of result.findings) {
      for (const [kind, ext] of [
        ['svg', '.svg'],
        ['png', '.png'],
        ['spec', '.vl.json'],
        ['json', '.json'],
        ['csv', '.csv'],
      ] as const)
        expect(f.files[kind], `${f.id} ${kind}`).toMatch(new RegExp(`\\${ext}$`));
      for (const file of Object.values(f.files)) expect(existsSync(file), file).toBe(true);
      expect(f.counts.computed).toBeGreaterThan(0);
      const png = readFileSync(f.files.png!);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      // Readable at a glance: the figure fills its canvas (≤ 15% of a 10 × 10 grid of tiles blank).
      const { pixels, width, height } = toPng(readFileSync(f.files.svg!, 'utf8'), 1);
      expect(blankFraction(pixels, width, height), `${f.id}: blank share of the canvas`).toBeLessThanOrEqual(
        0.15,
      );
    }
    // How the report was made, with paths relative to the output folder.
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      provenance: Record<string, unknown> & {
        versions: Record<string, string>;
        backend: { message: string };
      };
      findings: { files: Record<string, string> }[];
    };
    expect(report.provenance.command).toBe(`trainlab reproduce --quick --out ${out} --json`);
    expect(report.provenance.seed).toBe(0);
    expect(report.provenance.backend.message).toMatch(/^backend: \w+/);
    expect(Object.keys(report.provenance.versions)).toEqual(
      expect.arrayContaining([
        '@trainlab/cli',
        '@trainlab/random',
        '@trainlab/tensor',
        '@trainlab/attention',
        '@trainlab/diagnostics',
        '@trainlab/dfo',
        '@tensorflow/tfjs-core',
        'node',
      ]),
    );
    expect(Object.values(report.provenance.versions)).not.toContain('unknown');
    expect(report.provenance.gitCommit).toMatch(/^[0-9a-f]{40}(-dirty)?$/); // the tests run in a checkout
    expect(Date.parse(String(report.provenance.started))).toBeLessThanOrEqual(
      Date.parse(String(report.provenance.finished)),
    );
    expect(report.provenance.seconds).toBeGreaterThan(0);
    for (const f of report.findings)
      for (const p of Object.values(f.files)) {
        expect(p.startsWith('/'), p).toBe(false);
        expect(existsSync(join(out, p)), p).toBe(true);
      }
    // The rank-collapse results agree with the paper at these sizes.
    expect(result.findings.filter((f) => f.paper !== 'direct search').every((f) => f.agrees)).toBe(true);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('![');
    expect(md.match(/^## /gm)).toHaveLength(13); // how it was made + 12 findings
    expect(md).toMatch(/## How this report was made\n\n[\s\S]*\| command \| trainlab reproduce --quick/);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<img src="figures/signal.png"');
    const csv = readFileSync(join(out, 'data', 'signal.csv'), 'utf8').split('\n');
    // Rows carry values (the residual scale as a number and how it was chosen), never display labels.
    expect(csv[0]).toBe('norm,scaleKind,residualScale,mlp,layer,cosine,cosineStd,cosineSe,rho,predicted');

    const again = trainlab(['reproduce', '--quick', '--out', out, '--json']);
    expect(again.code).toBe(0);
    const second = JSON.parse(again.stdout) as typeof result;
    for (const f of second.findings) {
      expect(f.counts.computed, f.id).toBe(0);
      expect(f.counts.reused).toBe(result.findings.find((g) => g.id === f.id)!.counts.computed);
    }
  });

  it('renders text into PNGs (the fonts are found)', async () => {
    const svg = await toSvg({
      title: 'Hello',
      data: { values: [{ x: 1 }] },
      mark: 'text',
      encoding: { text: { field: 'x' } },
    });
    const { pixels, width, height } = toPng(svg, 1);
    let dark = 0;
    for (let i = 0; i < width * height; i++) if (pixels[4 * i]! < 128) dark++;
    expect(dark).toBeGreaterThan(20);
  });

  it('measures how much of a figure is left blank', () => {
    const [w, h] = [40, 20];
    const white = new Uint8Array(4 * w * h).fill(255);
    expect(blankFraction(white, w, h)).toBe(1);
    const left = white.slice();
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w / 2; x++) left.fill(0, 4 * (y * w + x), 4 * (y * w + x) + 3);
    expect(blankFraction(left, w, h)).toBe(0.5);
    // One dark pixel is enough for its tile to count as drawn.
    const dot = white.slice();
    dot[4 * (5 * w + 3)] = 0;
    expect(blankFraction(dot, w, h)).toBe(0.99);
  });

  it('rejects bad flags and bad config files with exit code 2 and a message naming the problem', () => {
    const out = tmp();
    const depth = trainlab(['signal', '--depth', '0', '--out', out]);
    expect(depth.code).toBe(2);
    expect(depth.stderr).toMatch(/depth \(--depth\): must be an integer from 1 to 1024, got 0/);
    const unknown = trainlab(['signal', '--dept', '3', '--out', out]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--dept'/);
    const notNumber = trainlab(['signal', '--n', 'many', '--out', out]);
    expect(notNumber.code).toBe(2);
    expect(notNumber.stderr).toMatch(/--n must be a number, got "many"/);

    const yaml = join(out, 'bad.yaml');
    writeFileSync(yaml, 'depth: 4\nnorms: [post, middle]\ncolour: red\n');
    const bad = trainlab(['signal', '--config', yaml, '--out', out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/norms\.1 \(--norms\): must be one of 'post', 'pre', 'none', got "middle"/);
    expect(bad.stderr).toMatch(/colour/);
    const json = join(out, 'bad.json');
    writeFileSync(json, '{ "depth": ');
    expect(trainlab(['grads', '--config', json, '--out', out]).stderr).toMatch(/not valid JSON/);
    expect(trainlab(['dfo', 'minimize', '--problem', '99']).code).toBe(2);
    expect(trainlab(['dfo', 'minimax', '--game', 'chess']).stderr).toMatch(
      /'--game <name>' argument 'chess' is invalid\. Allowed choices are quadratic, /,
    );
    expect(trainlab(['--seed', '-1', 'backend']).code).toBe(2);
    const tooMany = trainlab(['train', '--length', '2', '--symbols', '2', '--out', out]);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toMatch(/distinct sequences/);
  });

  it('runs an experiment from a YAML config with flags on top, and --json is machine-readable', () => {
    const out = tmp();
    const yaml = join(out, 'grads.yaml');
    writeFileSync(yaml, 'depth: 3\nnorms: [post]\nmlp: [false]\nseeds: 1\nn: 8\ndModel: 16\n');
    const r = trainlab(['grads', '--config', yaml, '--depth', '4', '--out', out, '--json', '--seed', '5']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as {
      config: { depth: number; seed: number };
      summary: { layer: number }[];
      counts: { computed: number };
    };
    expect(result.config.depth).toBe(4);
    expect(result.config.seed).toBe(5);
    // blocks count from 1 (layer 0 is the input): a 4-block model's last block is layer 4
    expect(Math.max(...result.summary.map((s) => s.layer))).toBe(4);
    expect(Math.min(...result.summary.map((s) => s.layer))).toBe(1);
    expect(result.counts.computed).toBe(2);
    const data = JSON.parse(readFileSync(join(out, 'data', 'grads.json'), 'utf8')) as {
      conventions: { layer: string };
    };
    expect(data.conventions.layer).toMatch(/^layer 0 is the input; layer ℓ = 1…L is the output of block ℓ/);
  });

  it('resumes after SIGKILL: nothing lost, nothing computed twice, the same numbers as an uninterrupted run', async () => {
    const out = tmp();
    const args = [
      'signal',
      '--depth',
      '12',
      '--n',
      '16',
      '--d-model',
      '64',
      '--seeds',
      '6',
      '--norms',
      'post,pre,none',
    ];
    const total = 3 * 2 * 2 * 6;
    const child = start([...args, '--out', out]);
    const stored = () => storedCells(out);
    const deadline = Date.now() + 120_000;
    while (stored() < 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const before = stored();
    expect(before).toBeGreaterThanOrEqual(8);
    expect(before).toBeLessThan(total);

    const resumed = trainlab([...args, '--out', out, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const r = JSON.parse(resumed.stdout) as {
      counts: { computed: number; reused: number };
      summary: unknown[];
    };
    expect(r.counts.reused).toBe(before);
    expect(r.counts.computed).toBe(total - before);
    expect(stored()).toBe(total);

    const clean = trainlab([...args, '--out', tmp(), '--json']);
    expect((JSON.parse(clean.stdout) as { summary: unknown[] }).summary).toEqual(r.summary);
  });

  it('a sweep on 2 worker threads writes exactly the data of a serial run', () => {
    const args = [
      'signal',
      '--depth',
      '4',
      '--n',
      '8',
      '--d-model',
      '32',
      '--seeds',
      '2',
      '--norms',
      'post,pre',
      '--quiet',
    ];
    const serial = tmp();
    const parallel = tmp();
    expect(trainlab([...args, '--workers', '1', '--out', serial]).code).toBe(0);
    const r = trainlab([...args, '--workers', '2', '--out', parallel]);
    expect(r.code, r.stderr).toBe(0);
    const read = (dir: string) => readFileSync(join(dir, 'data', 'signal.json'), 'utf8');
    expect(read(parallel)).toBe(read(serial));
  });

  it('a worker that dies fails its cell with the reason, not the sweep; a rerun computes just that cell', () => {
    const out = tmp();
    const args = [
      'grads',
      '--norms',
      'post',
      '--mlp',
      'false',
      '--scales',
      '1',
      '--seeds',
      '3',
      '--depth',
      '2',
      '--n',
      '6',
      '--d-model',
      '16',
    ];
    const crashKey = 'post · α=1 · attention only · seed 1';
    const crashed = trainlab([...args, '--workers', '2', '--out', out], {
      env: { TRAINLAB_TEST_WORKER_CRASH: crashKey },
    });
    expect(crashed.code).toBe(1);
    expect(crashed.stderr).toContain(`1 cell failed`);
    expect(crashed.stderr).toContain(`${crashKey}: worker thread failed: simulated worker crash`);
    const again = trainlab([...args, '--workers', '2', '--out', out, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).counts).toMatchObject({ computed: 1, reused: 2, failed: 0 });
  });

  it('runs every experiment command on small sizes', () => {
    const out = tmp();
    const small = ['--seeds', '1', '--d-model', '16', '--n', '6'];
    for (const args of [
      ['signal', ...small, '--depth', '2', '--norms', 'pre', '--mlp', 'true'],
      ['depth', ...small, '--depths', '1,3', '--norms', 'none', '--scales', '0.5'],
      ['ratio', '--seeds', '1', '--d-model', '16', '--variables', 'n', '--n', '8'],
      ['collapse', ...small, '--depth', '2', '--eps', '0,0.01,0.1', '--norms', 'post'],
      ['dong', ...small, '--depth', '3'],
      ['entropy', ...small, '--scales', '0.5,4'],
      [
        'phase',
        '--scales',
        '0.5,4',
        '--alphas',
        '0.25,1',
        '--depth',
        '3',
        '--seeds',
        '1',
        '--n',
        '6',
        '--d-model',
        '16',
      ],
      ['coord-check', '--widths', '8,16', '--steps', '1', '--seeds', '1', '--n', '6'],
      ['kernel', '--widths', '8,16,32,64', '--depth', '3', '--seeds', '2', '--n', '6'],
      [
        'train',
        '--depths',
        '1',
        '--steps',
        '10',
        '--eval-every',
        '5',
        '--seeds',
        '1',
        '--d-model',
        '8',
        '--train-size',
        '50',
        '--validation-size',
        '20',
      ],
      [
        'optimizers',
        '--depth',
        '1',
        '--steps',
        '10',
        '--eval-every',
        '5',
        '--seeds',
        '1',
        '--d-model',
        '8',
        '--train-size',
        '50',
        '--validation-size',
        '20',
      ],
    ]) {
      const r = trainlab([...args, '--out', out, '--json', '--quiet']);
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(0);
      expect(r.stderr).toBe('');
      const result = JSON.parse(r.stdout) as { summary: unknown[]; files: Record<string, string> };
      expect(result.summary.length).toBeGreaterThan(0);
      for (const f of Object.values(result.files)) expect(existsSync(f), f).toBe(true);
      const { pixels, width, height } = toPng(readFileSync(result.files.svg!, 'utf8'), 1);
      // Sweeps of one or two points at toy sizes draw sparser figures than reproduce's (held to 0.15 above).
      expect(blankFraction(pixels, width, height), `${args[0]}: blank share`).toBeLessThanOrEqual(0.25);
    }
  });

  it('backend says which backend runs and how fast it multiplies', () => {
    const r = trainlab(['backend', '--json'], { env: { TRAINLAB_BACKEND: 'cpu' } });
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { backend: { name: string }; sgemm: { gflops: number }[] };
    expect(result.backend.name).toBe('cpu');
    expect(result.sgemm.every((s) => s.gflops > 0)).toBe(true);
  });
});
