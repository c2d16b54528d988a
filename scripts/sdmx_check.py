"""Checks Enlace's SDMX-CSV 2.0 statistics export with a real SDMX package (pysdmx).

Usage: sdmx_check.py FILE...  Each file is one indicator's export as an other country sees
it. pysdmx must read it as a dataflow dataset; the columns must be exactly STRUCTURE,
STRUCTURE_ID, ACTION, REF_AREA, TIME_PERIOD, the dimensions, OBS_VALUE, CONF_STATUS;
suppressed observations (CONF_STATUS C) have an empty OBS_VALUE, published ones (F) a
count; every country and period has its total (all dimensions _T).
"""
import csv
import io
import sys

from pysdmx.io import read_sdmx


def check(path):
    text = open(path, encoding="utf-8").read()
    header = next(csv.reader(io.StringIO(text)))
    fixed = ["STRUCTURE", "STRUCTURE_ID", "ACTION", "REF_AREA", "TIME_PERIOD"]
    assert header[:5] == fixed, f"{path}: columns {header}"
    assert header[-2:] == ["OBS_VALUE", "CONF_STATUS"], f"{path}: columns {header}"
    dims = header[5:-2]
    msg = read_sdmx(text)
    assert len(msg.data) == 1, f"{path}: {len(msg.data)} datasets"
    ds = msg.data[0]
    assert ds.short_urn.startswith("Dataflow=ENLACE:DF_"), ds.short_urn
    df = ds.data
    assert len(df) > 0, f"{path}: no observations"
    totals = set()
    suppressed = 0
    for _, row in df.iterrows():
        value = "" if row["OBS_VALUE"] is None else str(row["OBS_VALUE"]).strip()
        status = row["CONF_STATUS"]
        if status == "C":
            assert value in ("", "nan"), f"{path}: suppressed with a value: {dict(row)}"
            suppressed += 1
        else:
            assert status == "F", f"{path}: CONF_STATUS {status!r}"
            assert value.isdigit(), f"{path}: published without a count: {dict(row)}"
        if all(row[d] == "_T" for d in dims):
            totals.add((row["REF_AREA"], row["TIME_PERIOD"]))
    areas = {(r["REF_AREA"], r["TIME_PERIOD"]) for _, r in df.iterrows()}
    assert areas == totals, f"{path}: tables without a total row: {areas - totals}"
    print(f"{path}: {len(df)} observations, {suppressed} suppressed, {len(totals)} tables: ok")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: sdmx_check.py FILE...")
    for p in sys.argv[1:]:
        check(p)
