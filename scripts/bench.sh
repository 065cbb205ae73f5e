#!/usr/bin/env bash
# Builds the connector and benchmarks it on this machine (loopback): see docs/performance.md, "How it is measured".
#   scripts/bench.sh [--duration SECONDS] [--warmup SECONDS] [--only a,b,c,d,hlr,hlr-pg,hlr-pg-2,jmh] [--out docs/benchmark.md]
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
# The hlr-pg scenarios count the statements of each event with pg_stat_statements, which PostgreSQL
# loads only at start: preload it once (ALTER SYSTEM, then a restart of the local cluster).
pg=(psql -X -q -At -h "${BENCH_PG_HOST:-127.0.0.1}" -p "${BENCH_PG_PORT:-5432}" -U "${BENCH_PG_USER:-postgres}" -d "${BENCH_PG_DB:-test}")
if preload=$("${pg[@]}" -c "show shared_preload_libraries" 2>/dev/null); then
  if [[ "$preload" != *pg_stat_statements* ]] && command -v pg_ctlcluster >/dev/null; then
    echo "bench: preloading pg_stat_statements in PostgreSQL (restarts the local cluster once)" >&2
    "${pg[@]}" -c "alter system set shared_preload_libraries = '${preload:+$preload,}pg_stat_statements'"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main restart
  fi
  "${pg[@]}" -c "create extension if not exists pg_stat_statements" 2>/dev/null || true
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
