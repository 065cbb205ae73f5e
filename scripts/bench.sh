#!/usr/bin/env bash
# Builds the connector and benchmarks it on this machine (loopback): see docs/performance.md, "How it is measured".
#   scripts/bench.sh [--duration SECONDS] [--warmup SECONDS] [--only a,b,c,d,jmh] [--out docs/benchmark.md]
#   scripts/bench.sh compare NAME=SPEC NAME=SPEC ... [--rounds N]   interleaved A/B (scripts/compare.py --help)
# Installs wrk and nginx (Debian packages) when missing. Not part of `mvn verify`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
if [ ${#need[@]} -gt 0 ]; then
  echo "bench: installing ${need[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ "${1:-}" = compare ]; then
  shift
  # Only this checkout's connector is built here; a variant at another revision is built by its own launcher.
  ./nsps-connector --version >/dev/null
  exec python3 scripts/compare.py "$@"
fi
mvn -q -B -ntp -DskipTests install
classpath_file=$(mktemp)
trap 'rm -f "$classpath_file"' EXIT
mvn -q -B -ntp -pl connector-impl dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$classpath_file"
touch connector-dist/target/nsps-connector/.built-from-sources
# The launcher's first run after a build records the class-data-sharing archive (a few seconds):
# do it now, so that no measured start (scenario d above all) includes it.
./nsps-connector --version >/dev/null
exec python3 scripts/bench.py --test-classpath "connector-impl/target/test-classes:connector-impl/target/classes:$(cat "$classpath_file")" "$@"
