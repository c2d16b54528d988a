"""Checks that a FollowTheMoney JSON Lines file is accepted, whole, by the real
`followthemoney` package: every schema and property exists, and no value is dropped when
the package cleans it (`ftm validate` silently drops what it rejects, so we compare).
Properties named `enlace…` are Enlace's documented extensions (route legs, modus operandi):
FollowTheMoney tools ignore them, so they are checked against the documented list instead."""
import json
import sys

from followthemoney import model

# Documented in docs/ARCHITECTURE.md ("FollowTheMoney extensions").
EXTENSIONS = {
    "Trip": {"enlaceRoute", "enlaceLegOrder", "enlaceMode", "enlaceMeans", "enlaceFee",
             "enlaceCurrency", "enlaceDurationHours", "enlaceModusOperandi"},
    "Person": {"enlaceModusOperandi"},
    "Organization": {"enlaceModusOperandi"},
    "Event": {"enlaceModusOperandi", "enlaceEventType", "enlaceMigrants"},
}

path = sys.argv[1]
count = 0
for number, line in enumerate(open(path, encoding="utf-8"), start=1):
    if not line.strip():
        continue
    data = json.loads(line)
    schema = model.get(data.get("schema", ""))
    if schema is None:
        sys.exit(f"line {number}: unknown schema {data.get('schema')!r}")
    props = dict(data.get("properties", {}))
    for prop in [p for p in props if p.startswith("enlace")]:
        if prop not in EXTENSIONS.get(schema.name, set()):
            sys.exit(f"line {number}: {schema.name} has no documented extension {prop!r}")
        del props[prop]
    data = {**data, "properties": props}
    proxy = model.get_proxy(data, cleaned=False)
    for prop, values in props.items():
        if prop not in schema.properties:
            sys.exit(f"line {number}: {schema.name} has no property {prop!r}")
        ptype = schema.properties[prop].type
        for value in values:
            if ptype.clean(value, proxy=proxy) is None:
                sys.exit(f"line {number}: {schema.name}.{prop} = {value!r} rejected as {ptype.name}")
    count += 1
if count == 0:
    sys.exit("no entities to check")
print(f"followthemoney accepts all {count} entities of {path}")
