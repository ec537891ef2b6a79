#!/usr/bin/env python3
"""Prints config/webhooks/*.yaml rewritten for a local aura-operator: clientConfig.url pointing at
https://127.0.0.1:PORT<path> and caBundle set to the given CA (or left empty for the operator's
self-managed certificate mode to fill), ready for `kubectl apply -f -`.

Usage: local-webhooks.py PORT [CA_FILE]
"""
import base64
import pathlib
import re
import sys

port = sys.argv[1]
ca = base64.b64encode(pathlib.Path(sys.argv[2]).read_bytes()).decode() if len(sys.argv) > 2 else ""
root = pathlib.Path(__file__).resolve().parent.parent
for name in ("validating.yaml", "mutating.yaml"):
    text = (root / "config" / "webhooks" / name).read_text()
    # service: {name, namespace, port, path} -> url: https://127.0.0.1:PORT<path>
    text = re.sub(
        r"service:\n\s+name: \S+\n\s+namespace: \S+\n\s+port: \d+\n(\s+)path: (\S+)",
        lambda m: f"url: https://127.0.0.1:{port}{m.group(2)}"
        + (f"\n{m.group(1)[:-2]}caBundle: {ca}" if ca else ""),
        text)
    text = re.sub(r"\n  annotations:\n    cert-manager.io/inject-ca-from: \S+", "", text)
    sys.stdout.write(text + "\n---\n")
