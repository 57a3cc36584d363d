import { onMounted, ref, shallowRef, toRaw, watch } from 'vue';

/** What a demo is doing; tests wait on `data-state` and `data-runs`. */
export type DemoState = 'idle' | 'running' | 'ready' | 'error';

/**
 * Runs `compute` with a copy of `settings` when the page opens and whenever a setting changes
 * (debounced, one run at a time; a run asked for before a newer change is dropped). Errors are
 * shown, not thrown.
 */
export function useDemo<S extends object, R>(settings: S, compute: (s: S) => Promise<R>) {
  const state = ref<DemoState>('idle');
  const result = shallowRef<R>();
  const error = ref('');
  const runs = ref(0);
  const ms = ref(0);
  let latest = 0;
  let inflight: Promise<unknown> = Promise.resolve();
  async function run() {
    const id = ++latest;
    state.value = 'running';
    // Let the page paint "computing…" and collect further changes before the work starts; then
    // wait for a run already going, so that a dragged slider never queues up stale runs.
    await new Promise((r) => setTimeout(r, 60));
    await inflight;
    if (id !== latest) return;
    const t0 = performance.now();
    const work = compute(structuredClone(toRaw(settings)));
    inflight = work.catch(() => undefined);
    try {
      const r = await work;
      if (id !== latest) return;
      result.value = r;
      error.value = '';
      state.value = 'ready';
    } catch (e) {
      if (id !== latest) return;
      error.value = e instanceof Error ? e.message : String(e);
      state.value = 'error';
    }
    ms.value = performance.now() - t0;
    runs.value++;
  }
  watch(settings, run, { deep: true });
  onMounted(run);
  return { state, result, error, runs, ms, run };
}

/** Four significant digits for display; the full value goes in `data-value`. */
export function fmt(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  return Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(3) : v.toPrecision(4);
}
