// A black box for `trainlab dfo minimize --module examples/objective.mjs`: the default export is
// the objective (any JS module will do), `x0` the start point. Minimum 0 at (1, -2, 0.5).
export const x0 = [0, 0, 0];

export default function objective(x) {
  return (x[0] - 1) ** 2 + 10 * (x[1] + 2) ** 2 + (x[2] - 0.5) ** 4;
}
