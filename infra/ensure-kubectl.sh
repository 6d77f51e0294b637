#!/usr/bin/env bash
# Makes sure `kubectl` is on the PATH (the k8s tests render the overlays with `kubectl kustomize`):
# installs Debian's kubernetes-client when it is missing and we are root, else says what to do.
set -euo pipefail
if command -v kubectl >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "kubectl is missing: install Debian's kubernetes-client (sudo apt-get install -y kubernetes-client)" >&2
  exit 1
fi
echo "kubectl is missing: installing Debian's kubernetes-client" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq kubernetes-client >&2
command -v kubectl >/dev/null
