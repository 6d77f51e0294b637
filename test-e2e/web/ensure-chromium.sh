#!/usr/bin/env bash
# Debian's Chromium for the browser tests: installed once, as root, when absent.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Chromium is missing at /usr/bin/chromium and this is not root: run 'apt-get install -y chromium' as root" >&2
  exit 1
fi
# Browser test files run in parallel and each makes sure of Chromium: one installs, the others wait
# for it here (a second apt-get would fail on dpkg's lock), then find it installed.
exec 9>/tmp/tlp-ensure-chromium.lock
flock 9
if [ -x /usr/bin/chromium ]; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
# Another apt user on the machine (unattended upgrades) gets waited for too, not failed on.
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
