// A worker thread of `workerObjective`: loads the user's objective module once and evaluates points.
// Plain JavaScript on purpose, so that it runs unchanged from the sources and from dist/.
import { pathToFileURL } from 'node:url';

const loaded = new Map();

function load(task) {
  const id = `${task.module}#${task.exportName ?? ''}`;
  let entry = loaded.get(id);
  if (!entry) {
    entry = (async () => {
      const url = task.module.startsWith('file:') ? task.module : pathToFileURL(task.module).href;
      let mod;
      if (/\.[cm]?ts$/.test(url)) {
        if (!task.tsImport)
          throw new Error(`${task.module} is TypeScript: pass the tsImport option (tsx's esm api)`);
        const { tsImport } = await import(task.tsImport);
        mod = await tsImport(url, import.meta.url);
      } else {
        mod = await import(url);
      }
      const def = mod.default?.default ?? mod.default;
      const f = task.exportName ? mod[task.exportName] : typeof def === 'function' ? def : mod.objective;
      if (typeof f !== 'function') {
        throw new Error(
          `${task.module} exports no function ${task.exportName ? `"${task.exportName}"` : '(default or "objective")'}`,
        );
      }
      return f;
    })();
    loaded.set(id, entry);
  }
  return entry;
}

export default async function evaluate(task) {
  const f = await load(task);
  if (task.args === undefined) return 0; // warm-up: load the module only
  return Number(await f(...task.args.map((a) => Float64Array.from(a))));
}
