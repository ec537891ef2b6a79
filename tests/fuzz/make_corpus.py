#!/usr/bin/env python3
"""Writes the fuzzers' seed corpus and dictionary from config/samples and crds/ (stdlib only).

    python3 tests/fuzz/make_corpus.py        # rewrites tests/fuzz/corpus/ and tests/fuzz/json.dict

corpus/admission/   AdmissionReview v1 bodies: CREATE of every sample (valid and invalid), UPDATE
                    for the update-*.yaml pairs, a metadata-only UPDATE, an UPDATE of an object
                    being deleted, a DELETE (plain, by the garbage collector, and
                    forced with the aura.io/force-delete annotation), and a few malformed reviews.
corpus/api_decode/  every sample document as a JSON object.
corpus/conversion/  ConversionReview bodies: each valid sample and all of them to v1alpha1 (the
                    identity), unserved versions, a review without uid.
json.dict           the JSON keys and enum values of the samples and the CRDs, as libFuzzer
                    dictionary entries.

Besides the samples, each CRD gives a "maximal" object (crd-<kind>-<version>-maximal: every
property of spec and status set, full metadata), as a decode seed, a CREATE and an UPDATE.

The generated files are committed; run this again after changing config/samples. Files that the
fuzzers found (reproducers of fixed bugs) live in the same folders under names starting with
"regress-" and are left alone.

The samples are plain block YAML (maps, lists, scalars, comments, `---`, `{}`/`[]`); the small
reader below handles that subset and refuses anything else rather than guessing. Scalars follow the
YAML 1.2 core schema, as tests/unit/api/yaml_json.h does: quoted scalars are strings, plain ones
null, booleans, integers or floats when they look like one, strings otherwise.
"""

import copy
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "config" / "samples"
OUT = Path(__file__).resolve().parent


class YamlSubsetError(Exception):
    pass


def _scalar(text):
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return json.loads(text)
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    if text == "{}":
        return {}
    if text == "[]":
        return []
    if text[:1] in "{[&*!|>%@`":
        raise YamlSubsetError(f"unsupported YAML scalar {text!r}")
    if re.fullmatch(r"~|null|Null|NULL|", text):
        return None
    if re.fullmatch(r"true|True|TRUE", text):
        return True
    if re.fullmatch(r"false|False|FALSE", text):
        return False
    if re.fullmatch(r"[-+]?[0-9]+", text):
        return int(text)
    if re.fullmatch(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?", text):
        return float(text)
    return text


def _strip_comment(line):
    # A comment starts at a '#' at the start of the line or after a space, outside quotes.
    quote = None
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def _split_key(text):
    """'key: value' -> (key, value or None); None when text is not a mapping entry."""
    m = re.match(r'^("(?:[^"\\]|\\.)*"|[^\s"\'#][^:]*?):(?:\s+(.*))?$', text)
    if not m:
        return None
    key = m.group(1)
    if key.startswith('"'):
        key = json.loads(key)
    return key, m.group(2)


def _parse_block(lines, i, indent):
    """Parses the node whose lines start at lines[i] with exactly `indent` spaces."""
    if lines[i][1].startswith("- ") or lines[i][1] == "-":
        return _parse_seq(lines, i, indent)
    return _parse_map(lines, i, indent)


def _parse_value(lines, i, indent, rest):
    """The value after 'key:' or '- ': inline scalar, or a nested block on the next lines."""
    if rest in (">", ">-", "|", "|-"):
        # A block scalar (the CRDs' descriptions): its more-indented lines, folded or kept.
        j = i + 1
        while j < len(lines) and lines[j][0] > indent:
            j += 1
        return (" " if rest[0] == ">" else "\n").join(l[1] for l in lines[i + 1 : j]), j
    if rest is not None and rest != "":
        return _scalar(rest), i + 1
    if i + 1 < len(lines) and lines[i + 1][0] > indent:
        return _parse_block(lines, i + 1, lines[i + 1][0])
    # A sequence may sit at the same indent as its key ("key:\n- a").
    if i + 1 < len(lines) and lines[i + 1][0] == indent and lines[i + 1][1].startswith("- "):
        return _parse_seq(lines, i + 1, indent)
    return None, i + 1


def _parse_map(lines, i, indent):
    out = {}
    while i < len(lines) and lines[i][0] == indent and not lines[i][1].startswith("- "):
        kv = _split_key(lines[i][1])
        if kv is None:
            raise YamlSubsetError(f"not a mapping entry: {lines[i][1]!r}")
        key, rest = kv
        if key in out:
            raise YamlSubsetError(f"duplicate key {key!r}")
        out[key], i = _parse_value(lines, i, indent, rest)
    if i < len(lines) and lines[i][0] > indent:
        raise YamlSubsetError(f"unexpected indentation: {lines[i][1]!r}")
    return out, i


def _parse_seq(lines, i, indent):
    out = []
    while i < len(lines) and lines[i][0] == indent and (
        lines[i][1].startswith("- ") or lines[i][1] == "-"
    ):
        item = lines[i][1][2:] if lines[i][1] != "-" else ""
        if item == "":
            value, i = _parse_value(lines, i, indent, None)
        elif _split_key(item) is not None:
            # "- key: value" starts a mapping whose entries sit at indent + 2.
            inner = indent + 2
            rewritten = lines[:i] + [(inner, item)] + lines[i + 1 :]
            value, i = _parse_map(rewritten, i, inner)
        else:
            value, i = _scalar(item), i + 1
        out.append(value)
    return out, i


def load_yaml_documents(path):
    docs, current = [], []
    for raw in path.read_text().splitlines() + ["---"]:
        if raw.rstrip() == "---":
            lines = [(len(l) - len(l.lstrip(" ")), l.strip()) for l in current]
            lines = [l for l in lines if l[1]]
            if lines:
                doc, end = _parse_block(lines, 0, lines[0][0])
                if end != len(lines):
                    raise YamlSubsetError(f"{path}: trailing content: {lines[end][1]!r}")
                docs.append(doc)
            current = []
            continue
        if "\t" in raw[: len(raw) - len(raw.lstrip())]:
            raise YamlSubsetError(f"{path}: tab indentation")
        current.append(_strip_comment(raw))
    return docs


def example(schema):
    """A value for an OpenAPI v3 schema with every property set, for seeds that reach every
    field's decoder (status included, which no sample has)."""
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and not isinstance(schema["default"], (dict, list)):
        return schema["default"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if "properties" in schema:
            return {k: example(v) for k, v in schema["properties"].items()}
        if isinstance(schema.get("additionalProperties"), dict):
            return {"example.com/key": example(schema["additionalProperties"])}
        if schema.get("x-kubernetes-preserve-unknown-fields"):
            return {"spec": {"containers": [{"name": "main", "image": "busybox"}]}}
        return {}
    if kind == "array":
        return [example(schema.get("items", {}))]
    if kind == "integer":
        return schema.get("minimum", 1)
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if schema.get("format") == "date-time":
        return "2026-01-01T00:00:00Z"
    if schema.get("x-kubernetes-int-or-string"):
        return "1"
    return "x"


def crd_examples():
    """One object per CRD with every field of spec and status set, and full metadata."""
    out = {}
    for path in sorted((ROOT / "crds").glob("*.yaml")):
        crd = load_yaml_documents(path)[0]
        names = crd["spec"]["names"]
        for version in crd["spec"]["versions"]:
            schema = version["schema"]["openAPIV3Schema"]["properties"]
            obj = {
                "apiVersion": f"{crd['spec']['group']}/{version['name']}",
                "kind": names["kind"],
                "metadata": {
                    "name": "maximal",
                    "namespace": "default",
                    "uid": "00000000-0000-0000-0000-000000000001",
                    "resourceVersion": "42",
                    "generation": 3,
                    "creationTimestamp": "2026-01-01T00:00:00Z",
                    "deletionTimestamp": "2026-01-02T00:00:00Z",
                    "labels": {"team": "ml"},
                    "annotations": {"aura.io/force-delete": "true"},
                    "finalizers": ["aura.io/finalizer"],
                    "ownerReferences": [
                        {
                            "apiVersion": "aura.io/v1alpha1",
                            "kind": "AIJob",
                            "name": "owner",
                            "uid": "00000000-0000-0000-0000-000000000002",
                            "controller": True,
                            "blockOwnerDeletion": True,
                        }
                    ],
                },
                "spec": example(schema["spec"]),
                "status": example(schema.get("status", {})),
            }
            out[f"crd-{names['singular']}-{version['name']}-maximal"] = obj
    return out


def review(uid, operation, obj, old=None, username="alice@example.com", dry_run=False):
    kind = (obj or old or {}).get("kind", "")
    meta = (obj or old or {}).get("metadata", {})
    req = {
        "uid": uid,
        "kind": {"group": "aura.io", "version": "v1alpha1", "kind": kind},
        "resource": {"group": "aura.io", "version": "v1alpha1", "resource": kind.lower() + "s"},
        "name": meta.get("name", ""),
        "namespace": meta.get("namespace", ""),
        "operation": operation,
        "userInfo": {"username": username, "groups": ["system:authenticated"]},
        "dryRun": dry_run,
        "object": obj,
        "oldObject": old,
    }
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": req}


def conversion_review(uid, desired, objects):
    req = {"uid": uid, "desiredAPIVersion": desired, "objects": objects}
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "ConversionReview", "request": req}


def dump(value):
    return json.dumps(value, indent=None, separators=(",", ":"), sort_keys=False) + "\n"


def dictionary_entries(value, out):
    if isinstance(value, dict):
        for k, v in value.items():
            out.add(json.dumps(k))
            dictionary_entries(v, out)
    elif isinstance(value, list):
        for v in value:
            dictionary_entries(v, out)
    elif isinstance(value, str) and len(value) <= 24 and re.fullmatch(r"[A-Za-z][A-Za-z-]*", value):
        out.add(json.dumps(value))  # enum values and the like


def crd_words(value, out):
    """Property names and enum values of a CRD's schemas, for the dictionary."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "properties" and isinstance(v, dict):
                out.update(json.dumps(name) for name in v)
            elif k == "enum" and isinstance(v, list):
                out.update(json.dumps(e) for e in v if isinstance(e, str))
            crd_words(v, out)
    elif isinstance(value, list):
        for v in value:
            crd_words(v, out)


def main():
    files = sorted(SAMPLES.glob("*.yaml")) + sorted((SAMPLES / "invalid").glob("*.yaml"))
    admission, decode = {}, {}
    words = set()
    for path in files:
        stem = ("invalid-" if path.parent.name == "invalid" else "") + path.stem
        docs = load_yaml_documents(path)
        for n, doc in enumerate(docs):
            decode[f"{stem}-{n}"] = doc
            dictionary_entries(doc, words)
        if path.stem.startswith("update-") and len(docs) == 2:
            admission[f"{stem}-update"] = review(f"uid-{stem}", "UPDATE", docs[1], docs[0])
            continue
        admission[f"{stem}-create"] = review(f"uid-{stem}", "CREATE", docs[0])
        if path.parent.name == "invalid":
            continue
        # Valid samples: an UPDATE that changes labels only, one of an object being deleted, a
        # DELETE, and a CREATE with the fields the defaulting webhook fills left out.
        relabeled = copy.deepcopy(docs[0])
        relabeled["metadata"].setdefault("labels", {})["fuzz"] = "seed"
        admission[f"{stem}-update-labels"] = review(f"uid-{stem}", "UPDATE", relabeled, docs[0])
        deleting = copy.deepcopy(docs[0])
        deleting["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
        deleting["spec"]["fuzz"] = True
        admission[f"{stem}-update-deleting"] = review(f"uid-{stem}", "UPDATE", deleting, docs[0])
        admission[f"{stem}-delete"] = review(f"uid-{stem}", "DELETE", None, docs[0])
        gc = "system:serviceaccount:kube-system:generic-garbage-collector"
        admission[f"{stem}-delete-gc"] = review(f"uid-{stem}", "DELETE", None, docs[0], gc)
        forced = copy.deepcopy(docs[0])
        forced["metadata"].setdefault("annotations", {})["aura.io/force-delete"] = "true"
        admission[f"{stem}-delete-forced"] = review(f"uid-{stem}", "DELETE", None, forced)
        # fuzz_admission's stand-in cache: no name = not synced, odd length = jobs still running.
        for label, name in (("unsynced", ""), ("running-jobs", "ml-sandbox-01")):
            r = review(f"uid-{stem}", "DELETE", None, docs[0])
            r["request"]["name"] = name
            admission[f"{stem}-delete-{label}"] = r
        bare = copy.deepcopy(docs[0])
        spec = bare["spec"]
        if bare["kind"] == "AIJob":
            spec = spec.get("clusterTemplate", {}).get("spec")
        if isinstance(spec, dict) and "network" in spec:
            spec.pop("kubernetesVersion", None)
            spec["network"].pop("zones", None)
            admission[f"{stem}-create-defaulting"] = review(
                f"uid-{stem}", "CREATE", bare, dry_run=True
            )
    for stem, obj in crd_examples().items():
        decode[stem] = obj
        dictionary_entries(obj, words)
        admission[f"{stem}-create"] = review(f"uid-{stem}", "CREATE", obj)
        changed = copy.deepcopy(obj)
        changed["spec"]["fuzz"] = "changed"
        admission[f"{stem}-update"] = review(f"uid-{stem}", "UPDATE", changed, obj)
    for path in sorted((ROOT / "crds").glob("*.yaml")):
        crd_words(load_yaml_documents(path)[0], words)
    admission["malformed-not-review"] = {"apiVersion": "v1", "kind": "Pod"}
    admission["malformed-no-uid"] = {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {"operation": "CREATE", "object": {}},
    }
    admission["malformed-other-group"] = review("uid-other", "CREATE", {"kind": "Pod"})
    admission["malformed-other-group"]["request"]["kind"]["group"] = ""

    conversion = {}
    valid = [d for n, d in decode.items() if not n.startswith("invalid-")]
    for n, d in decode.items():
        if not n.startswith("invalid-"):
            conversion[f"{n}-identity"] = conversion_review(f"uid-{n}", "aura.io/v1alpha1", [d])
    conversion["all-samples-identity"] = conversion_review("uid-all", "aura.io/v1alpha1", valid)
    conversion["none-identity"] = conversion_review("uid-none", "aura.io/v1alpha1", [])
    conversion["unserved-desired-version"] = conversion_review("uid-v1", "aura.io/v1", valid[:1])
    other = copy.deepcopy(valid[0])
    other["apiVersion"] = "aura.io/v1beta1"
    conversion["unserved-object-version"] = conversion_review(
        "uid-v1b1", "aura.io/v1alpha1", [other]
    )
    conversion["malformed-no-uid"] = conversion_review("", "aura.io/v1alpha1", valid[:1])

    for name, entries in (
        ("admission", admission),
        ("api_decode", decode),
        ("conversion", conversion),
    ):
        folder = OUT / "corpus" / name
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.json"):
            if not old.name.startswith("regress-"):
                old.unlink()
        for stem, value in entries.items():
            (folder / f"{stem}.json").write_text(dump(value))
    for w in ("AdmissionReview", "admission.k8s.io/v1", "CREATE", "UPDATE", "DELETE", "aura.io",
              "ConversionReview", "apiextensions.k8s.io/v1", "desiredAPIVersion", "objects",
              "aura.io/v1alpha1", "aura.io/force-delete"):
        words.add(json.dumps(w))
    (OUT / "json.dict").write_text(
        "# libFuzzer dictionary for the JSON fuzzers, generated by make_corpus.py.\n"
        + "".join(f"{w}\n" for w in sorted(words))
    )
    print(f"make_corpus: {len(admission)} admission, {len(decode)} api_decode and "
          f"{len(conversion)} conversion seeds, {len(words)} dictionary entries")


if __name__ == "__main__":
    try:
        main()
    except YamlSubsetError as e:
        sys.exit(f"make_corpus: {e}")
