"""Independent high-precision references for the Erlang formulas (mpmath), and a plain numpy birth-death chain.

Nothing here imports :mod:`simulator.analytic`. The references follow the textbook routes the implementation
deliberately avoids, so agreement means something:

- Erlang B by the direct sum ``1/B = Σ_k N!/((N-k)! A^k)`` and by the regularised upper incomplete gamma;
- Erlang C from B by its closed forms;
- Erlang A by the closed forms of domain.md's appendix (Palm; Garnett, Mandelbaum and Reiman 2002) with J as the
  hypergeometric function 1F1(1; x+1; y), the subtractions done at a working precision raised until the
  cancellation is covered; ASA by the appendix series or by differentiating the incomplete gamma;
- Erlang A by the birth-death chain itself (exact rational recursion for the stationary distribution, and the
  tagged caller's offered wait as a hypoexponential sum of the rates Nμ + iθ), for moderate N.
"""

from __future__ import annotations

from typing import Any

import mpmath as mp
import numpy as np

DPS = 50
SL_IDS = ("abandons_fail", "short_excluded", "abandons_within_threshold_excluded",
          "abandons_within_threshold_success", "answered_only")


def erlang_b_sum(load: float, agents: int) -> mp.mpf:
    """Erlang B by the direct sum of positive terms (exact up to the working precision)."""
    with mp.workdps(DPS):
        a = mp.mpf(load)
        inv = mp.mpf(1)
        term = mp.mpf(1)
        for k in range(1, agents + 1):
            term = term * (agents - k + 1) / a
            inv += term
        return 1 / inv


def erlang_b_gamma(load: float, agents: int) -> mp.mpf:
    """Erlang B as Poisson pmf / cdf: A^N e^{-A} / N! over Q(N + 1, A)."""
    with mp.workdps(DPS):
        a = mp.mpf(load)
        n = mp.mpf(agents)
        log_pmf = n * mp.log(a) - a - mp.loggamma(n + 1)
        return mp.exp(log_pmf) / mp.gammainc(n + 1, a, mp.inf, regularized=True)


def erlang_c(load: float, agents: int, aht: float, threshold: float) -> dict[str, mp.mpf]:
    """Erlang C closed forms (stable queues only)."""
    with mp.workdps(DPS):
        a, n, aht_, t = mp.mpf(load), mp.mpf(agents), mp.mpf(aht), mp.mpf(threshold)
        b = erlang_b_gamma(load, agents) if agents > 2000 else erlang_b_sum(load, agents)
        c = n * b / (n - a * (1 - b))
        return {"wait_probability": c, "service_level": 1 - c * mp.exp(-(n - a) * t / aht_),
                "asa_seconds": c * aht_ / (n - a), "mean_queue_length": c * a / (n - a), "occupancy": a / n}


def _hyp(b: Any, z: Any) -> mp.mpf:
    """1F1(1; b; z) by mpmath (slow when z > b >> 1e4: keep such cases out of the fast tests)."""
    return mp.hyp1f1(1, b, z, maxterms=10**8)


def erlang_a(load: float, agents: int, aht: float, patience: float, threshold: float,
             short: float) -> dict[str, mp.mpf]:
    """Erlang A by the appendix's closed forms at 50 digits (more where a subtraction cancels)."""
    dps = DPS
    while True:
        with mp.workdps(dps):
            out, lost = _erlang_a_closed(load, agents, aht, patience, threshold, short)
        if lost < dps - 30:
            return out
        if lost > 1000:
            raise ValueError(f"the closed forms cancel {lost:.0f} digits here; choose another case")
        dps = int(lost) + 40


def _erlang_a_closed(load: float, agents: int, aht: float, patience: float, threshold: float,
                     short: float) -> tuple[dict[str, mp.mpf], float]:
    a, n, aht_, p = mp.mpf(load), mp.mpf(agents), mp.mpf(aht), mp.mpf(patience)
    theta, mu = 1 / p, 1 / aht_
    lam = a * mu
    x, y, rho = n * mu / theta, lam / theta, a / n
    eb = erlang_b_gamma(load, agents)
    j = _hyp(x + 1, y)
    pi_n = eb / (1 + (j - 1) * eb)
    p_wait = j * pi_n
    p_idle = pi_n * (1 / eb - 1)  # = 1 - P(wait), written without the subtraction
    p_ab = pi_n * j * (1 / (rho * j) + 1 - 1 / rho)
    lost = [0.0]

    def digits(big: Any, small: Any) -> None:
        if small != 0:
            lost.append(float(mp.log10(abs(big) / abs(small))))

    def p_v_gt(t: Any) -> Any:  # P(V > t) = π_N x e^y y^{-x} γ(x, y e^{-θt})
        yt = y * mp.exp(-theta * t)
        return pi_n * mp.exp(y * (1 - mp.exp(-theta * t)) - x * theta * t) * _hyp(x + 1, yt)

    def answered_within(t: Any) -> Any:  # 1 - P(W > 0) + π_N x e^y y^{-x-1} [γ(x+1, y) - γ(x+1, y e^{-θt})]
        yt = y * mp.exp(-theta * t)
        g1 = x / (x + 1) * _hyp(x + 2, y)
        g2 = x / (x + 1) * mp.exp(y * (1 - mp.exp(-theta * t)) - (x + 1) * theta * t) * _hyp(x + 2, yt)
        digits(g1, g1 - g2)
        return p_idle + pi_n * (g1 - g2)

    def within(t: Any) -> Any:  # P(W <= t) = 1 - P(V > t) e^{-θt}
        value = 1 - p_v_gt(t) * mp.exp(-theta * t)
        digits(1, value)
        return value

    def split(t: Any) -> tuple[Any, Any, Any]:  # answered within t, P(W <= t), abandoned within t
        if t == 0:  # nobody abandons within 0 s; keep the exact zero
            return p_idle, p_idle, mp.mpf(0)
        ans, w = answered_within(t), within(t)
        digits(w, w - ans)
        return ans, w, w - ans

    ans_t, w_t, ab_t = split(mp.mpf(threshold))
    _, _, ab_s = split(mp.mpf(short))
    digits(1, 1 - ab_s)
    digits(1, 1 - ab_t)
    digits(1, p_ab)
    p_ans = 1 - p_ab
    digits(1, p_ans)
    asa = pi_n * x * p * (-mp.diff(lambda b: _hyp(b + 1, y) / b, x + 1)) / p_ans
    out = {
        "wait_probability": p_wait, "abandon_probability": p_ab, "asa_seconds": asa,
        "mean_wait_seconds": p_ab * p, "mean_queue_length": p_ab * y, "occupancy": rho * p_ans,
        "abandons_fail": ans_t, "answered_only": ans_t / p_ans, "short_excluded": ans_t / (1 - ab_s),
        "abandons_within_threshold_excluded": ans_t / (1 - ab_t), "abandons_within_threshold_success": w_t,
    }
    return out, max(lost)


def erlang_a_asa_series(load: float, agents: int, aht: float, patience: float) -> mp.mpf:
    """ASA of answered calls by the appendix series (moderate x = Nμ/θ only: it needs O(√x) terms)."""
    with mp.workdps(DPS):
        a, n, aht_, p = mp.mpf(load), mp.mpf(agents), mp.mpf(aht), mp.mpf(patience)
        theta = 1 / p
        x, y, rho = n * p / aht_, a * p / aht_, a / n
        eb = erlang_b_gamma(load, agents)
        j_sum = _hyp(x + 1, y)
        pi_n = eb / (1 + (j_sum - 1) * eb)
        p_ab = pi_n * j_sum * (1 / (rho * j_sum) + 1 - 1 / rho)
        total = mp.mpf(0)
        t_prev = mp.mpf(1)  # π_{N+j-1} / π_N = y^{j-1} / ((x+1)...(x+j-1))
        inner = mp.mpf(0)  # Σ_{i<=j} 1 / (θ (x + i))
        jj = 0
        while True:
            jj += 1
            inner += 1 / (theta * (x + jj))
            term = t_prev * x / (x + jj) * inner
            total += term
            if jj > 10 and term < total * mp.mpf(10) ** (-DPS):
                break
            t_prev = t_prev * y / (x + jj)
        return pi_n * total / (1 - p_ab)


def erlang_a_chain(load: float, agents: int, aht: float, patience: float, threshold: float,
                   short: float) -> dict[str, mp.mpf]:
    """Erlang A from the birth-death chain (birth λ, death min(k, N)μ + max(k - N, 0)θ), exactly.

    The stationary law comes from the balance equations; an arrival that finds N + j - 1 callers present is
    j-th in the queue and its offered wait is a sum of independent exponentials with rates Nμ + iθ,
    i = 0..j-1 (those ahead leave by service or by abandoning), whose distribution is written in closed form.
    No incomplete gamma, no integral.
    """
    with mp.workdps(120):
        a, n, aht_, p = mp.mpf(load), int(agents), mp.mpf(aht), mp.mpf(patience)
        mu, theta = 1 / aht_, 1 / p
        lam = a * mu
        weights = [mp.mpf(1)]
        k = 0
        while True:
            k += 1
            death = min(k, n) * mu + max(k - n, 0) * theta
            weights.append(weights[-1] * lam / death)
            if k > n + 20 and weights[-1] < mp.mpf(10) ** -70 * sum(weights):
                break
        total = sum(weights)
        pi = [w / total for w in weights]
        p_wait = sum(pi[n:])
        queue = sum((i - n) * pi[i] for i in range(n + 1, len(pi)))
        p_ab = theta * queue / lam
        t, s = mp.mpf(threshold), mp.mpf(short)
        ans_t = sum(pi[:n])
        ab_t = ab_s = mp.mpf(0)
        asa_num = mp.mpf(0)
        for j in range(1, len(pi) - n + 1):
            weight = pi[n + j - 1]
            rates = [n * mu + i * theta for i in range(j)]
            # P(V > u) = Σ_i c_i e^{-r_i u} for distinct rates (hypoexponential).
            coeffs = []
            for i, ri in enumerate(rates):
                c = mp.mpf(1)
                for m, rm in enumerate(rates):
                    if m != i:
                        c *= rm / (rm - ri)
                coeffs.append(c)
            # answered within t: ∫_0^t f_V(u) e^{-θu} du;  abandoned within t: ∫_0^t θ e^{-θu} P(V > u) du.
            ans_t += weight * sum(c * r * (1 - mp.exp(-(r + theta) * t)) / (r + theta)
                                  for c, r in zip(coeffs, rates, strict=True))
            ab_t += weight * sum(c * theta * (1 - mp.exp(-(r + theta) * t)) / (r + theta)
                                 for c, r in zip(coeffs, rates, strict=True))
            ab_s += weight * sum(c * theta * (1 - mp.exp(-(r + theta) * s)) / (r + theta)
                                 for c, r in zip(coeffs, rates, strict=True))
            # E[V 1{answered}] = ∫ u f_V(u) e^{-θu} du
            asa_num += weight * sum(c * r / (r + theta) ** 2 for c, r in zip(coeffs, rates, strict=True))
        p_ans = 1 - p_ab
        return {
            "wait_probability": p_wait, "abandon_probability": p_ab, "asa_seconds": asa_num / p_ans,
            "mean_wait_seconds": queue / lam, "mean_queue_length": queue, "occupancy": a * p_ans / n,
            "abandons_fail": ans_t, "answered_only": ans_t / p_ans, "short_excluded": ans_t / (1 - ab_s),
            "abandons_within_threshold_excluded": ans_t / (1 - ab_t),
            "abandons_within_threshold_success": ans_t + ab_t,
        }


def numpy_chain(load: float, agents: int, aht: float, patience: float) -> dict[str, float]:
    """Erlang A by the truncated birth-death chain in plain numpy (double precision, logs): wait and abandon
    probabilities, ASA (appendix series) and mean queue length. The straightforward method, and the
    benchmark's baseline."""
    mu, theta = 1.0 / aht, 1.0 / patience
    lam = load * mu
    n = int(agents)
    # States 0..n: log π_k ∝ k log A - log k!; beyond: π_{n+j} = π_n Π_{i<=j} λ / (nμ + iθ).
    k = np.arange(n + 1)
    log_low = k * np.log(load) - np.cumsum(np.log(np.maximum(k, 1)))
    j_max = int(max(200, 60 * (1 + np.sqrt(n * patience / aht)) + 5 * lam / theta))
    j = np.arange(1, j_max + 1)
    log_high = log_low[-1] + np.cumsum(np.log(lam) - np.log(n * mu + j * theta))
    logs = np.concatenate([log_low, log_high])
    top = logs.max()
    pi = np.exp(logs - top)
    pi /= pi.sum()
    p_wait = pi[n:].sum()
    queue = float((j * pi[n + 1:]).sum())
    p_ab = theta * queue / lam
    # ASA: an arrival finding n + j - 1 present is j-th; P(answered | j) = x/(x+j), E[W 1{ans} | j] as in the
    # appendix.
    x = n * mu / theta
    jj = np.arange(1, j_max + 1)
    inner = np.cumsum(1.0 / (theta * (x + jj)))
    asa_num = float((pi[n:n + j_max] * x / (x + jj) * inner).sum())
    return {"wait_probability": float(p_wait), "abandon_probability": float(p_ab),
            "asa_seconds": asa_num / (1.0 - p_ab), "mean_queue_length": queue}
