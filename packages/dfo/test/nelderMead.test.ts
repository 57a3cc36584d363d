import { describe, expect, it } from 'vitest';
import { nelderMead } from '../src/index';

describe('nelderMead', () => {
  it('finds the minimum of Rosenbrock and of a shifted quadratic', async () => {
    const r = await nelderMead((x) => 100 * (x[1]! - x[0]! ** 2) ** 2 + (1 - x[0]!) ** 2, [-1.2, 1], {
      maxEvaluations: 5000,
    });
    expect(r.x[0]).toBeCloseTo(1, 4);
    expect(r.x[1]).toBeCloseTo(1, 4);
    const q = await nelderMead(
      (x) => (x[0]! - 3) ** 2 + 2 * (x[1]! + 1) ** 2 + (x[2]! - 0.5) ** 2,
      [0, 0, 0],
    );
    expect(q.status).toBe('min-step');
    expect(q.x[0]).toBeCloseTo(3, 5);
    expect(q.x[1]).toBeCloseTo(-1, 5);
    expect(q.x[2]).toBeCloseTo(0.5, 5);
  });

  it('treats failed evaluations as +∞ and keeps going; honours the budget', async () => {
    const r = await nelderMead((x) => (x[0]! > 1.5 ? Number.NaN : (x[0]! - 1) ** 2), [0], {
      maxEvaluations: 300,
    });
    expect(r.x[0]).toBeCloseTo(1, 5);
    const b = await nelderMead((x) => (x[0]! - 1) ** 2 + x[1]! ** 2, [5, 5], { maxEvaluations: 10 });
    expect(b).toMatchObject({ status: 'max-evaluations', evaluations: 10, success: false });
  });
});
