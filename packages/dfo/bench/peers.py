"""Peers for the Moré–Wild benchmark of @trainlab/dfo: NLopt's BOBYQA and Nelder–Mead and scipy's
Nelder–Mead, run on the same problems as trainlab's solvers. The objective lives in the Node process
that started this one: each evaluation is a line "E <problem> <x…>" on stdout answered by a value on
stdin, so both sides evaluate exactly the same functions. "S <solver> <problem>" starts a run and
"T <solver> <problem> <overhead µs per evaluation>" ends it (overhead: wall time outside the objective).

Usage (by bench/solvers.bench.ts): /usr/bin/python3 peers.py <jobs.json>
jobs.json: [{"problem": index, "x0": [...], "budget": evaluations}, ...]
"""

import json
import sys
import time

import nlopt
import numpy as np
from scipy.optimize import minimize


def ask(problem, x, clock):
    start = time.perf_counter()
    sys.stdout.write("E %d %s\n" % (problem, " ".join(repr(float(v)) for v in x)))
    sys.stdout.flush()
    value = float(sys.stdin.readline())
    clock[0] += time.perf_counter() - start
    clock[1] += 1
    return value


def run_nlopt(algorithm, job, clock):
    n = len(job["x0"])
    opt = nlopt.opt(algorithm, n)
    opt.set_min_objective(lambda x, grad: ask(job["problem"], x, clock))
    opt.set_maxeval(job["budget"])
    # Run to the budget: no tolerance stops it first (the profile measures progress per evaluation).
    opt.set_xtol_rel(0)
    opt.set_ftol_rel(0)
    opt.set_ftol_abs(0)
    try:
        opt.optimize(np.array(job["x0"], dtype=float))
    except (nlopt.RoundoffLimited, ValueError, RuntimeError):
        pass


def run_scipy(job, clock):
    minimize(
        lambda x: ask(job["problem"], x, clock),
        np.array(job["x0"], dtype=float),
        method="Nelder-Mead",
        options={"maxfev": job["budget"], "xatol": 0, "fatol": 0},
    )


SOLVERS = {
    "nlopt-bobyqa": lambda job, clock: run_nlopt(nlopt.LN_BOBYQA, job, clock),
    "nlopt-nelder-mead": lambda job, clock: run_nlopt(nlopt.LN_NELDERMEAD, job, clock),
    "scipy-nelder-mead": run_scipy,
}


def main():
    with open(sys.argv[1]) as f:
        jobs = json.load(f)
    for job in jobs:
        for name, solve in SOLVERS.items():
            sys.stdout.write("S %s %d\n" % (name, job["problem"]))
            clock = [0.0, 0]
            start = time.perf_counter()
            solve(job, clock)
            wall = time.perf_counter() - start
            overhead = (wall - clock[0]) * 1e6 / max(1, clock[1])
            sys.stdout.write("T %s %d %.3f\n" % (name, job["problem"], overhead))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
