#!/usr/bin/env bash
# The PHP side of the tests: the contract check (plugins/contract/php), which recomputes in PHP
# every vector the server's signing code generated. Installs Debian's php-cli and phpunit when
# they are missing and the script runs as root, like scripts/test-services.sh does for Chromium
# and PostgreSQL. A plugin with PHPUnit tests of its own adds its folder to SUITES.
set -euo pipefail
LOG_PREFIX=test-php
# shellcheck source=scripts/apt-install.sh
source "$(dirname "$0")/apt-install.sh"
cd "$(dirname "$0")/.."

SUITES=(plugins/contract/php)

missing=()
command -v php >/dev/null 2>&1 || missing+=(php-cli)
command -v phpunit >/dev/null 2>&1 || missing+=(phpunit)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

for suite in "${SUITES[@]}"; do
  for file in "$suite"/*.php; do
    php -l "$file" >/dev/null
  done
  phpunit --configuration "$suite"
done
