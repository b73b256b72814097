#!/usr/bin/env python3
"""Writes tests/fixtures/validation/reference.json: the validation report's numbers computed by
scikit-learn and statsmodels on seeded data sets, for tests/integration/validation.rs.

    python3 -m venv /tmp/skenv && /tmp/skenv/bin/pip install scikit-learn statsmodels numpy
    /tmp/skenv/bin/python tools/make_validation_fixtures.py

Written with scikit-learn 1.9.1, statsmodels 0.15.0, numpy 2.4.6 (the versions go into the
file). Per data set: AUC (roc_auc_score), the ROC points (roc_curve, drop_intermediate=True),
the reliability bins (calibration_curve, 10 uniform bins, with the bin counts from the same
searchsorted binning), the calibration slope and intercept (Logit of y on logit(p)), the
calibration-in-the-large intercept (GLM Binomial with offset logit(p)), and net benefit at
1 % … 50 % by its formula. logit(p) clips p to [1e-6, 1 - 1e-6] as src/evaluation.rs does.
"""
import json
import pathlib

import numpy as np
import sklearn
import statsmodels
import statsmodels.api as sm
from sklearn.calibration import calibration_curve
from sklearn.metrics import roc_auc_score, roc_curve

CLIP = 1e-6


def logit(p):
    p = np.clip(p, CLIP, 1 - CLIP)
    return np.log(p / (1 - p))


def dataset(seed, n, prevalence, spread, decimals):
    rng = np.random.default_rng(seed)
    y = rng.random(n) < prevalence
    z = rng.normal(0, 1, n) + spread * y - 2.0
    p = 1 / (1 + np.exp(-z))
    return np.round(p, decimals), y


def reference(p, y):
    fpr, tpr, thr = roc_curve(y, p)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=10, strategy="uniform")
    bins = np.linspace(0.0, 1.0, 11)
    ids = np.searchsorted(bins[1:-1], p)
    counts = np.bincount(ids, minlength=10)
    counts = counts[counts != 0]
    x = logit(p)
    fit = sm.Logit(y.astype(float), sm.add_constant(x)).fit(disp=0, tol=1e-14, maxiter=200)
    citl = sm.GLM(y.astype(float), np.ones((len(y), 1)), family=sm.families.Binomial(),
                  offset=x).fit(tol=1e-14)
    n = len(y)
    net = []
    for k in range(1, 51):
        pt = k / 100
        tp = np.sum((p >= pt) & y)
        fp = np.sum((p >= pt) & ~y)
        net.append(tp / n - fp / n * pt / (1 - pt))
    return {
        "probabilities": p.tolist(),
        "labels": y.astype(int).tolist(),
        "auc": roc_auc_score(y, p),
        "roc": [[None if np.isinf(t) else t, f, s] for t, f, s in zip(thr, fpr, tpr)],
        "reliability": {"count": counts.tolist(), "mean_predicted": prob_pred.tolist(),
                        "observed": prob_true.tolist()},
        "calibration_intercept": fit.params[0],
        "calibration_slope": fit.params[1],
        "calibration_in_the_large": citl.params[0],
        "net_benefit": net,
    }


def main():
    sets = {
        "n500_ties": dataset(11, 500, 0.15, 1.5, 3),
        "n2000_csv_decimals": dataset(12, 2000, 0.08, 2.0, 6),
        "n80_weak": dataset(13, 80, 0.3, 0.4, 2),
    }
    # Probabilities exactly on the reliability bins' inner edges, and at 0 and 1.
    p_edges = np.array([0.0, 0.1, 0.1, 0.2, 0.3, 0.3, 0.5, 0.7, 0.7, 0.9, 1.0, 0.05, 0.15,
                        0.35, 0.6, 0.8, 0.25, 0.45, 0.65, 0.95])
    y_edges = np.array([0, 0, 1, 0, 0, 1, 1, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 1], bool)
    sets["edges"] = (p_edges, y_edges)
    out = {
        "generated_by": "tools/make_validation_fixtures.py",
        "versions": {"scikit-learn": sklearn.__version__,
                     "statsmodels": statsmodels.__version__, "numpy": np.__version__},
        "logit_clip": CLIP,
        "sets": {name: reference(p, y) for name, (p, y) in sets.items()},
    }
    path = pathlib.Path(__file__).resolve().parent.parent / "tests/fixtures/validation/reference.json"
    path.write_text(json.dumps(out, indent=None) + "\n")
    print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
