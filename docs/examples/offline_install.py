"""How an app installs an update and proves its license offline, with licensor.verify.

Usage: python offline_install.py BASE_URL LICENSE_NAME LICENSE_KEY PLATFORM FINGERPRINT
Prints one JSON object with the verdicts it got.
"""

import json
import sys

import httpx

from licensor.verify import verify_artifact, verify_license_file

base, name, key, platform, fingerprint = sys.argv[1:6]
info = {"license_name": name, "license_key": key}
# The vendor's public keys: fetched once, then kept (shipped inside the app, for instance).
keys = httpx.get(f"{base}/v1/signing-keys").json()

# 1. The newest release this license may update to, and its file: check it before installing.
offer = httpx.post(f"{base}/v1/downloads", json={**info, "platform": platform}).json()
data = httpx.get(offer["url"], follow_redirects=True).content  # S3: a presigned redirect
artifact_code = verify_artifact(data, offer, keys)  # VALID, DIGEST_MISMATCH, BAD_SIGNATURE…
tampered_code = verify_artifact(data + b"!", offer, keys)

# 2. A license file for this machine, encrypted with the License Key: the app keeps it and
#    checks it at every start, with no network, until it expires.
document = httpx.post(f"{base}/v1/licenses/checkout", json={
    **info, "fingerprint": fingerprint, "encrypt": True, "ttl": 30 * 24 * 3600}).json()
check = verify_license_file(document, keys, license_key=key, fingerprint=fingerprint)
elsewhere = verify_license_file(document, keys, license_key=key, fingerprint="another-machine")

print(json.dumps({"version": offer["version"], "artifact": artifact_code,
                  "tampered": tampered_code, "license_file": check.code,
                  "license_id": check.license["id"] if check.license else None,
                  "elsewhere": elsewhere.code}))
