/**
 * The run store: every finished cell of a sweep is written at once (one SQLite transaction per
 * cell), with its config, seed, backend, versions and timing, so that rerunning a command resumes
 * where it stopped. Behind the small `RunStore` interface so that a server database can stand in
 * for the embedded one later.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'libsql';
import { fileErrorReason, UsageError } from './context';

/** Facts stored with every cell. */
export interface CellMeta {
  /** The full, resolved config of the sweep. */
  config: unknown;
  backend: string;
  versions: Record<string, string>;
  /** Milliseconds the cell took. */
  ms: number;
}

export interface StoredCell {
  key: string;
  rows: unknown[];
}

export interface RunStore {
  /** Every stored cell of a sweep, in the order they were written. */
  cells(scope: Scope): StoredCell[];
  /** Writes one finished cell (atomically). */
  put(scope: Scope, cell: StoredCell, meta: CellMeta): void;
  /** Forgets a sweep (for --fresh). */
  clear(scope: Scope): void;
  /**
   * Cells stored for the same experiment, config and backend by other code (an earlier version of
   * the experiment or of its package): they are not reused, and this says how many there are.
   */
  staleCells(scope: Scope, config: unknown, backend: string): { count: number; versions: string[] };
  close(): void;
}

/**
 * The code that computes an experiment's cells: the experiment's protocol version and the package
 * that owns it, with its version (`@trainlab/diagnostics@0.3.1`). Either changing makes a new scope.
 */
export interface CodeVersion {
  version: number;
  owner: string;
}

/**
 * A sweep: an experiment and the hash of its resolved config and of the code that computes it
 * (same command, same code ⇒ same scope; a new version of the experiment or its package ⇒ a new
 * scope, so stale cells are never served as current).
 */
export interface Scope {
  experiment: string;
  configHash: string;
  code: CodeVersion;
}

/** The scope of an experiment run with this config by this code (key order does not matter). */
export function scopeOf(experiment: string, config: unknown, code: CodeVersion): Scope {
  return {
    experiment,
    configHash: createHash('sha256').update(stableJson({ config, code })).digest('hex').slice(0, 16),
    code,
  };
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS cells (
  experiment  TEXT NOT NULL,
  config_hash TEXT NOT NULL,
  key         TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  rows_json   TEXT NOT NULL,
  config_json TEXT NOT NULL,
  backend     TEXT NOT NULL,
  versions    TEXT NOT NULL,
  ms          REAL NOT NULL,
  finished_at TEXT NOT NULL,
  PRIMARY KEY (experiment, config_hash, key)
);`;

/**
 * The embedded store: one SQLite file through `libsql` (better-sqlite3's API with prebuilt binaries,
 * so nothing compiles at install time).
 */
export class SqliteRunStore implements RunStore {
  private readonly db: Database.Database;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    try {
      this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
      this.db.exec(SCHEMA);
    } catch (error) {
      this.db.close();
      throw error;
    }
  }

  cells(scope: Scope): StoredCell[] {
    const rows = this.db
      .prepare('SELECT key, rows_json FROM cells WHERE experiment = ? AND config_hash = ? ORDER BY seq')
      .all(scope.experiment, scope.configHash) as { key: string; rows_json: string }[];
    return rows.map((r) => ({ key: r.key, rows: JSON.parse(r.rows_json) as unknown[] }));
  }

  put(scope: Scope, cell: StoredCell, meta: CellMeta): void {
    const seq = (
      this.db
        .prepare('SELECT COUNT(*) AS n FROM cells WHERE experiment = ? AND config_hash = ?')
        .get(scope.experiment, scope.configHash) as { n: number }
    ).n;
    this.db
      .prepare(
        `INSERT OR REPLACE INTO cells (experiment, config_hash, key, seq, rows_json, config_json, backend, versions, ms, finished_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        scope.experiment,
        scope.configHash,
        cell.key,
        seq,
        JSON.stringify(cell.rows, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)),
        JSON.stringify(meta.config),
        meta.backend,
        JSON.stringify(meta.versions),
        meta.ms,
        new Date().toISOString(),
      );
  }

  staleCells(scope: Scope, config: unknown, backend: string): { count: number; versions: string[] } {
    const rows = this.db
      .prepare(
        'SELECT versions, COUNT(*) AS n FROM cells WHERE experiment = ? AND config_hash != ? AND config_json = ? AND backend = ? GROUP BY versions',
      )
      .all(scope.experiment, scope.configHash, JSON.stringify(config), backend) as {
      versions: string;
      n: number;
    }[];
    const owner = scope.code.owner.replace(/@[^@]*$/, '');
    const versions = rows.map((r) => {
      const stored = JSON.parse(r.versions) as Record<string, string>;
      const experiment = stored[`experiment:${scope.experiment}`];
      return `${owner}@${stored[owner] ?? 'unknown'}, ${scope.experiment} v${experiment ?? '?'}`;
    });
    return { count: rows.reduce((s, r) => s + r.n, 0), versions: [...new Set(versions)] };
  }

  clear(scope: Scope): void {
    this.db
      .prepare('DELETE FROM cells WHERE experiment = ? AND config_hash = ?')
      .run(scope.experiment, scope.configHash);
  }

  /** Reads the whole store once (SQLite's quick check), so a damaged file is found before any work. */
  check(): void {
    const rows = this.db.prepare('PRAGMA quick_check').all() as { quick_check: string }[];
    const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
    if (problems.length > 0) {
      throw Object.assign(new Error(problems.slice(0, 3).join('; ')), { code: 'SQLITE_CORRUPT' });
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/**
 * Opens (or creates) the run store at `path`, checking it before any work starts: a folder that
 * cannot be made or a store that cannot be read is a usage error (exit 2) naming the path, the
 * reason and what to do, instead of a SQLite stack trace.
 */
export function openStore(path: string): SqliteRunStore {
  const folder = dirname(path);
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    throw new UsageError(
      `--out: cannot create the output folder ${folder}: ${fileErrorReason(error)}; choose another folder with --out`,
    );
  }
  try {
    const store = new SqliteRunStore(path);
    store.check();
    return store;
  } catch (error) {
    throw new UsageError(
      `the run store ${path} cannot be used: ${fileErrorReason(error)}. Move it aside or delete it to start a new store (its stored cells are then recomputed), or choose another folder with --out`,
    );
  }
}
