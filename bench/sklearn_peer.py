#!/usr/bin/env python3
"""scikit-learn peer for `creditbridge bench model`.

Reads the data CSV (candidate columns as raw text, target column 0/1) and
the folds JSON that the Go bench wrote ({"target", "categorical",
"folds": [[fold of each row] per repeat]}), fits
LogisticRegression on one-hot (categorical) and standardised (numeric,
median-imputed) features on exactly the same stratified folds, and prints
one JSON object with the mean and sample standard deviation over all
held-out folds of AUC, KS, Gini and Brier, and the fit time.

Needs python3 with scikit-learn and numpy (Debian: python3-sklearn). The
bench runs it only when `import sklearn` works; it installs nothing.
"""
import argparse
import csv
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score, roc_curve
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def stat(xs):
    a = np.asarray(xs, dtype=float)
    return {"mean": float(a.mean()), "std": float(a.std(ddof=1)) if len(a) > 1 else 0.0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--meta", required=True)
    args = ap.parse_args()
    with open(args.meta) as f:
        meta = json.load(f)
    with open(args.data, newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    target = meta["target"]
    ti = header.index(target)
    y = np.array([int(r[ti]) for r in rows])
    cat_names = set(meta.get("categorical") or [])
    cols = [i for i in range(len(header)) if i != ti]
    cat_idx = [k for k, i in enumerate(cols) if header[i] in cat_names]
    num_idx = [k for k, i in enumerate(cols) if header[i] not in cat_names]
    X = np.empty((len(rows), len(cols)), dtype=object)
    for r, row in enumerate(rows):
        for k, i in enumerate(cols):
            v = row[i]
            if k in num_idx:
                X[r, k] = float(v) if v != "" else np.nan
            else:
                X[r, k] = v if v != "" else "__missing__"
    transformers = []
    if num_idx:
        transformers.append(("num", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), num_idx))
    if cat_idx:
        transformers.append(("cat", OneHotEncoder(handle_unknown="ignore"), cat_idx))
    aucs, kss, ginis, briers = [], [], [], []
    fit_seconds = 0.0
    for folds in meta["folds"]:
        folds = np.asarray(folds)
        for f in sorted(set(folds.tolist())):
            test, train = folds == f, folds != f
            model = Pipeline([
                ("features", ColumnTransformer(transformers)),
                ("logit", LogisticRegression(max_iter=5000)),
            ])
            start = time.perf_counter()
            model.fit(X[train], y[train])
            fit_seconds += time.perf_counter() - start
            p = model.predict_proba(X[test])[:, 1]
            auc = roc_auc_score(y[test], p)
            fpr, tpr, _ = roc_curve(y[test], p)
            aucs.append(auc)
            kss.append(float(np.max(tpr - fpr)))
            ginis.append(2 * auc - 1)
            briers.append(brier_score_loss(y[test], p))
    json.dump({
        "model": "sklearn LogisticRegression (L2, C=1) on one-hot categorical + median-imputed standardised numeric features",
        "sklearn_version": sklearn.__version__,
        "auc": stat(aucs), "ks": stat(kss), "gini": stat(ginis), "brier": stat(briers),
        "fit_seconds_total": fit_seconds, "fit_seconds_per_fold": fit_seconds / len(aucs),
    }, sys.stdout)
    print()


if __name__ == "__main__":
    main()
