import { describe, expect, it } from 'vitest';
import { closeness, expectClose, TOLERANCE } from '../src/testing';

describe('the tolerance table', () => {
  it('orders its rows from loose to strict as the computations they stand for', () => {
    expect(TOLERANCE.finiteDifference.rtol).toBeGreaterThan(TOLERANCE.float32.rtol);
    expect(TOLERANCE.float32.rtol).toBeGreaterThan(TOLERANCE.float32Op.rtol);
    expect(TOLERANCE.float32Op.rtol).toBeGreaterThan(2 ** -23); // a few ulp of float32
    expect(TOLERANCE.float32Op.rtol).toBeGreaterThan(TOLERANCE.float64.rtol);
    expect(TOLERANCE.float64.rtol).toBeGreaterThan(2 ** -52);
  });

  it('closeness is the worst |a − b| / (atol + rtol·|b|)', () => {
    expect(closeness([1, 2], [1, 2], TOLERANCE.float64)).toBe(0);
    expect(closeness([1.5], [1], { rtol: 0, atol: 1 })).toBe(0.5);
    expect(closeness([Number.NaN], [1])).toBe(Number.POSITIVE_INFINITY);
  });

  it('expectClose passes within the tolerance and names the worst entry past it', () => {
    expect(() => expectClose([1, 2 + 1e-10], [1, 2], 'float64')).not.toThrow();
    expect(() => expectClose(Math.fround(0.1), 0.1, 'float32Op')).not.toThrow();
    expect(() => expectClose([1, 2.1, 3], 2, { rtol: 0.1, atol: 0 }, 'x')).toThrow(
      /^x\[0\] = 1 is not within the tolerance \(rtol 0\.1, atol 0\) of 2/,
    );
    expect(() => expectClose(1.01, 1, 'float32', 'loss')).toThrow(
      /^loss = 1\.01 is not within the float32 tolerance/,
    );
    expect(() => expectClose([Number.NaN], [0], 'float32')).toThrow(/NaN/);
  });
});
