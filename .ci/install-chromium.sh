#!/bin/sh
# Installs Chromium for the report test (tests/cli/report.rs). Idempotent: does nothing when a
# Chromium is already on PATH. Debian/Ubuntu (apt-get); run as root (CI containers are).
set -eu
for b in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$b" >/dev/null 2>&1; then
        echo "install-chromium: $b already installed ($(command -v "$b"))"
        exit 0
    fi
done
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends chromium
command -v chromium
