#!/usr/bin/env python3
"""Fit the rational erf of Sources/TFLiteEngine/Kernels/Activations/VectorizableMath.swift,
and the polynomial GELU tail of Sources/TFLiteEngine/Kernels/Activations/Gelu.swift.

erf(x) ~ x * P(x^2) / Q(x^2) on [0, 3.92] (erf is 1 to float precision beyond),
P and Q of degree 5, Q(0) = 1: linear least squares on P(u) - f(u) Q(u) = f(u)
with f = erf(x)/x, the weights divided by |Q| and moved towards the largest
error each round (a Sanathanan-Koerner / Lawson iteration); the best round's
coefficients are printed as float32, with the float32 error of the result
evaluated with unfused and fused multiply-adds (both flavours the engine builds).

GELU's exact form uses 1 + erf(x/sqrt(2)) only from x = -3 up (below, 1 + erf
cancels); on [-5.6, -3] it evaluates 0.5 x erfc(-x/sqrt(2)) as a Chebyshev fit of
degree 10 in t = (x + 4.3) / 1.3 (Horner, float32 coefficients), and below -5.6
it is 0 to within 5e-8.

    python3 tools/fit_erf.py            # numpy only
"""
import math

import numpy as np

LIMIT = 3.92


def fit(p_degree: int = 5, q_degree: int = 5, rounds: int = 30):
    xs = np.linspace(1e-4, LIMIT, 40000)
    f = np.array([math.erf(x) / x for x in xs])
    u = xs * xs
    w = np.ones_like(u)
    best = None
    for _ in range(rounds):
        a = np.hstack([np.vstack([u ** k for k in range(p_degree + 1)]).T,
                       -(f[:, None]) * np.vstack([u ** k for k in range(1, q_degree + 1)]).T])
        sol, *_ = np.linalg.lstsq(a * w[:, None], f * w, rcond=None)
        p = sol[: p_degree + 1]
        q = np.concatenate([[1.0], sol[p_degree + 1:]])
        big_q = np.polyval(q[::-1], u)
        err = xs * np.polyval(p[::-1], u) / big_q - xs * f
        worst = np.abs(err).max()
        if best is None or worst < best[0]:
            best = (worst, p, q)
        w = w / np.abs(big_q) * (np.abs(err) / worst + 0.5) ** 0.5
        w /= w.max()
    return best


def erf32(x: float, p, q, fused: bool) -> float:
    f32 = np.float32
    xc = min(max(f32(x), f32(-LIMIT)), f32(LIMIT))
    u = f32(xc * xc)
    big_p, big_q = f32(p[-1]), f32(q[-1])
    for k in range(len(p) - 2, -1, -1):
        if fused:  # a float32 product is exact in float64; one rounding of the sum (near enough to fma)
            big_p = f32(np.float64(big_p) * np.float64(u) + np.float64(f32(p[k])))
            big_q = f32(np.float64(big_q) * np.float64(u) + np.float64(f32(q[k])))
        else:
            big_p = f32(f32(big_p * u) + f32(p[k]))
            big_q = f32(f32(big_q * u) + f32(q[k]))
    return float(f32(f32(xc * big_p) / big_q))


TAIL = (-5.6, -3.0)
TAIL_DEGREE = 10


def gelu(x: float) -> float:
    return 0.5 * x * math.erfc(-x / math.sqrt(2))


def fit_tail():
    """Coefficients of t^0 ... t^10 (t = (x - mid) / half) for GELU on TAIL."""
    low, high = TAIL
    mid, half = (low + high) / 2, (high - low) / 2
    xs = np.linspace(low, high, 20001)
    c = np.polynomial.chebyshev.chebfit((xs - mid) / half, [gelu(x) for x in xs], TAIL_DEGREE)
    return mid, half, np.polynomial.chebyshev.cheb2poly(c)


def tail32(x: float, mid: float, half: float, coefficients, fused: bool) -> float:
    f32 = np.float32
    t = f32(f32(f32(x) - f32(mid)) * f32(1 / half))
    acc = f32(coefficients[-1])
    for k in range(len(coefficients) - 2, -1, -1):
        if fused:
            acc = f32(np.float64(acc) * np.float64(t) + np.float64(f32(coefficients[k])))
        else:
            acc = f32(f32(acc * t) + f32(coefficients[k]))
    return float(acc)


def main() -> None:
    worst, p, q = fit()
    print(f"fit: max |error| {worst:.3g} (float64)")
    print("P:", ", ".join(np.format_float_scientific(np.float32(v), unique=True) for v in p))
    print("Q:", ", ".join(np.format_float_scientific(np.float32(v), unique=True) for v in q))
    xs = np.linspace(-6, 6, 120001)
    for fused in (False, True):
        err = max(abs(erf32(x, p, q, fused) - math.erf(float(np.float32(x)))) for x in xs)
        print(f"float32, {'fused' if fused else 'unfused'} multiply-adds: max |error| {err:.3g} on [-6, 6]")
    mid, half, coefficients = fit_tail()
    print(f"GELU tail on {TAIL}: t = (x - ({mid})) * (1 / {half}), coefficients of t^10 ... t^0:")
    print(", ".join(np.format_float_scientific(np.float32(v), unique=True) for v in coefficients[::-1]))
    xs = np.linspace(TAIL[0], TAIL[1], 20001)
    for fused in (False, True):
        err = max(abs(tail32(x, mid, half, coefficients, fused) - gelu(float(np.float32(x)))) for x in xs)
        print(f"float32, {'fused' if fused else 'unfused'} multiply-adds: max |error| {err:.3g} on {TAIL}")
    print(f"|GELU| below {TAIL[0]}: at most {abs(gelu(TAIL[0])):.3g}")


if __name__ == "__main__":
    main()
