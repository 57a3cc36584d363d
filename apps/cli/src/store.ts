/**
 * The run store: every finished cell of a sweep is written at once (one SQLite transaction per
 * cell), with its config, seed, backend, versions and timing, so that rerunning a command resumes
 * where it stopped. Behind the small `RunStore` interface so that a server database can stand in
 * for the embedded one later.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import Database from 'libsql';
import { fileErrorReason, hidePassword, UsageError } from './context';

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

  /** Releases the folder's lock when the store closes (set by `openStore`). */
  release: (() => void) | undefined;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    try {
      // A second connection (a reader, a stale lock's owner) waits instead of failing with SQLITE_BUSY.
      this.db.exec('PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
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
    this.release?.();
    this.release = undefined;
  }
}

/** The first 16 bytes of every SQLite database file. */
const SQLITE_HEADER = 'SQLite format 3\0';

/**
 * Why the file at `path` cannot be a run store, read from the file itself before SQLite opens it
 * (so a damaged store is named before any work), or `undefined` if it looks like one or is absent.
 */
export function storeDamage(path: string): string | undefined {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch {
    return undefined;
  }
  if (stat.isDirectory()) return 'a folder is in its place';
  if (!stat.isFile()) return 'it is not a regular file';
  // trainlab never leaves an empty store behind (a new one is made under another name and renamed
  // into place), so 0 bytes means a store that was cut off.
  if (stat.size === 0) return 'it is empty (0 bytes): the store was cut off, its cells are lost';
  const header = Buffer.alloc(16);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (header.toString('latin1') !== SQLITE_HEADER)
    return 'it is not a SQLite database (damaged, or another file)';
  if (stat.size < 512) return 'it is truncated (shorter than one database page)';
  return undefined;
}

/** Who holds an output folder: written into its lock file. */
interface LockOwner {
  pid: number;
  host: string;
  command: string;
  started: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/**
 * Takes the output folder's lock (`runs.sqlite.lock`, made with O_EXCL): two trainlab processes on
 * one `--out` would compute the same cells twice and race on the store, so the second is refused
 * with one line naming the folder and the process that holds it. A lock left by a process that no
 * longer runs (SIGKILL, a crash) on this machine is taken over. Returns the release function.
 */
export function lockFolder(storePath: string): () => void {
  const lock = `${storePath}.lock`;
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    command: ['trainlab', ...process.argv.slice(2).map(hidePassword)].join(' '),
    started: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(lock, 'wx');
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
      let owner: Partial<LockOwner> = {};
      try {
        owner = JSON.parse(readFileSync(lock, 'utf8')) as LockOwner;
      } catch {
        // Being written this instant, or junk: judged below by its pid (none → stale).
      }
      const sameHost = owner.host === undefined || owner.host === me.host;
      if (sameHost && (typeof owner.pid !== 'number' || !alive(owner.pid))) {
        try {
          unlinkSync(lock);
        } catch {
          // Another process took it over first: try again.
        }
        continue;
      }
      const since = owner.started
        ? `, started ${owner.started.replace('T', ' ').replace(/\..*$/, '')} UTC`
        : '';
      throw new UsageError(
        `--out: the output folder ${dirname(storePath)} is in use by another trainlab process (pid ${owner.pid}${sameHost ? '' : ` on ${owner.host}`}${since}: ${owner.command ?? 'unknown command'}); wait for it to finish or choose another folder with --out (if that process no longer runs, delete ${lock})`,
      );
    }
    writeSync(fd, JSON.stringify(me));
    closeSync(fd);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      process.off('exit', release);
      try {
        const owner = JSON.parse(readFileSync(lock, 'utf8')) as LockOwner;
        if (owner.pid === me.pid && owner.host === me.host) unlinkSync(lock);
      } catch {
        // Already gone.
      }
    };
    process.on('exit', release);
    return release;
  }
  throw new UsageError(
    `--out: cannot take the lock ${lock}; delete it if no trainlab process uses ${dirname(storePath)}`,
  );
}

/** Moves a damaged store (and its WAL files) aside as `<name>.damaged-<time>`; returns the new name. */
function moveAside(path: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const aside = `${path}.damaged-${stamp}`;
  renameSync(path, aside);
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
  }
  return aside;
}

/** Creates a new store under a temporary name and renames it into place, so no half-made store is ever seen. */
function createStore(path: string): void {
  const temporary = join(dirname(path), `.${basename(path)}.new-${process.pid}`);
  const fresh = new SqliteRunStore(temporary);
  fresh.close();
  renameSync(temporary, path);
  for (const suffix of ['-wal', '-shm']) if (existsSync(temporary + suffix)) unlinkSync(temporary + suffix);
}

/**
 * Opens (or creates) the run store at `path`, checking it before any work starts: the folder is
 * locked against a second trainlab process, a folder that cannot be made or a store that cannot be
 * read is a usage error (exit 2) naming the path, the reason and what to do, instead of a SQLite
 * stack trace. With `fresh`, a damaged store is moved aside (and `log` says where) and a new one made.
 */
export function openStore(
  path: string,
  options: { fresh?: boolean; log?: (line: string) => void } = {},
): SqliteRunStore {
  const folder = dirname(path);
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    throw new UsageError(
      `--out: cannot create the output folder ${folder}: ${fileErrorReason(error)}; choose another folder with --out`,
    );
  }
  let release: () => void;
  try {
    release = lockFolder(path);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(
      `--out: cannot lock the output folder ${folder}: ${fileErrorReason(error)}; choose another folder with --out`,
    );
  }
  try {
    let damage = storeDamage(path);
    let store: SqliteRunStore | undefined;
    if (damage === undefined) {
      try {
        if (!existsSync(path)) createStore(path);
        store = new SqliteRunStore(path);
        store.check();
      } catch (error) {
        store?.close();
        store = undefined;
        damage = fileErrorReason(error);
      }
    }
    if (damage !== undefined) {
      if (!options.fresh) {
        throw new UsageError(
          `the run store ${path} cannot be used: ${damage}. Rerun with --fresh to move it aside and start a new store (its stored cells are then recomputed), or choose another folder with --out`,
        );
      }
      const aside = moveAside(path);
      options.log?.(
        `the run store ${path} was damaged (${damage}): moved aside to ${aside}; starting a new store`,
      );
      createStore(path);
      store = new SqliteRunStore(path);
    }
    store!.release = release;
    return store!;
  } catch (error) {
    release();
    if (error instanceof UsageError) throw error;
    throw new UsageError(
      `the run store ${path} cannot be used: ${fileErrorReason(error)}; choose another folder with --out`,
    );
  }
}
