"""A splink (Fellegi-Sunter, DuckDB) baseline: link the queries to the records with blocking
on name tokens and dates like enlace-match, parameters trained unsupervised (u by random
sampling, m by expectation maximisation). Writes matches in the `enlace match` format."""
import argparse
import json
import os
import sys
import time

import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

sys.path.insert(0, os.path.dirname(__file__))
from common import peak_memory_mib, read_entities  # noqa: E402


def frame(path, source):
    rows = []
    for r in read_entities(path):
        rows.append({
            "unique_id": r["id"],
            "source_dataset": source,
            "given": r["given"][0] if r["given"] else None,
            "given2": r["given"][1] if len(r["given"]) > 1 else None,
            "surname": r["surnames"][0] if r["surnames"] else None,
            "surname2": r["surnames"][1] if len(r["surnames"]) > 1 else None,
            "dob": r["dob"] if len(r["dob"]) == 10 else None,
            "year": r["year"] or None,
            "nationality": r["nationality"] or None,
            "gender": r["gender"] or None,
        })
    return pd.DataFrame(rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threshold", type=float, default=0.5)
    a = ap.parse_args()
    t = time.time()
    recs = frame(os.path.join(a.dir, "records.jsonl"), "records")
    qs = frame(os.path.join(a.dir, "queries.jsonl"), "queries")
    settings = SettingsCreator(
        link_type="link_only",
        blocking_rules_to_generate_predictions=[
            block_on("given", "surname"),
            block_on("surname", "year"),
            block_on("given", "year"),
            block_on("dob"),
        ],
        comparisons=[
            cl.JaroWinklerAtThresholds("given", [0.92, 0.8]),
            cl.JaroWinklerAtThresholds("given2", [0.92]),
            cl.JaroWinklerAtThresholds("surname", [0.92, 0.8]),
            cl.JaroWinklerAtThresholds("surname2", [0.92]),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("nationality"),
            cl.ExactMatch("gender"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker([recs, qs], settings, db_api=DuckDBAPI())
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname"))
    train = time.time() - t
    t = time.time()
    pred = linker.inference.predict(threshold_match_probability=0.05).as_pandas_dataframe()
    batch = time.time() - t
    by_q = {}
    for row in pred.itertuples():
        l, r = row.unique_id_l, row.unique_id_r
        if row.source_dataset_l == "queries":
            q, rec = l, r
        else:
            q, rec = r, l
        by_q.setdefault(q, []).append((rec, float(row.match_probability)))
    with open(a.out, "w") as f:
        for q in qs["unique_id"]:
            ms = sorted(by_q.get(q, []), key=lambda x: -x[1])[:10]
            f.write(json.dumps({"query_id": q, "matches": [{"id": i, "score": round(s, 4)} for i, s in ms]}) + "\n")
    print(json.dumps({
        "peer": "splink",
        "records": len(recs), "queries": len(qs),
        "train_seconds": round(train, 2),
        "batch_seconds": round(batch, 2),
        "batch_queries_per_second": round(len(qs) / batch, 1),
        "peak_memory_mib": peak_memory_mib(),
    }, indent=2))


if __name__ == "__main__":
    main()
