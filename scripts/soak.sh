#!/usr/bin/env bash
# A bounded soak on loopback: two connector instances sharing PostgreSQL, a faulty HLR (timeouts,
# 5xx, 429 at random) and an NSPS-like sender; prints "lost: 0, duplicated: 0, out of order: 0" or
# the counterexamples (and exits non-zero). Not part of `mvn verify`.
#   scripts/soak.sh [--minutes N] [--rate EVENTS_PER_SECOND] [--subscribers N] [--fault-rate 0.15]
# PostgreSQL: STATE_TEST_DB_URL / STATE_TEST_DB_USER / STATE_TEST_DB_PASSWORD
# (default jdbc:postgresql://127.0.0.1:5432/test as postgres).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mvn -q -B -ntp -DskipTests install
classpath_file=$(mktemp)
trap 'rm -f "$classpath_file"' EXIT
mvn -q -B -ntp -pl connector-impl dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$classpath_file"
exec java -cp "connector-impl/target/test-classes:connector-impl/target/classes:$(cat "$classpath_file")" \
  io.nsps.connector.soak.SoakRun "$@"
