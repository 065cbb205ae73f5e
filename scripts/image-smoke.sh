#!/usr/bin/env bash
# Builds the connector's container image without a Docker daemon or a registry, and proves it runs:
#   1. a base image made from Debian packages (mmdebstrap: bookworm with openjdk-17-jre-headless),
#      packed as an image tarball by podman (cached in ~/.cache/nsps-connector);
#   2. the image, by Jib (mvn -Pimage package) on that base: connector-dist/target/nsps-connector-image.tar;
#   3. the image run by podman as a Kubernetes pod runs it (docs/deploy.md): configuration from the
#      environment only, the token as a secret file, read-only root file system, no capabilities,
#      the image's non-root user; /health waited for, a sample event answered 202, SIGTERM, exit 0;
#   4. the class-data archive recorded in a derived image as the Dockerfile records it, and a start
#      that needs it (read-only, the image's user).
# Installs podman, runc and mmdebstrap from Debian when missing (as root). Run by .ci/run.
#   scripts/image-smoke.sh [--keep]      # --keep: leave the container and image behind
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
started=$SECONDS
keep=false
[ "${1:-}" = --keep ] && keep=true
say() { echo "image-smoke: $*" >&2; }

need=()
command -v podman >/dev/null || need+=(podman)
command -v runc >/dev/null || need+=(runc)
command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

cache="${NSPS_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nsps-connector}"
mkdir -p "$cache"
base="$cache/base-bookworm-openjdk17.tar"
if [ ! -s "$base" ]; then
  say "building the base image from Debian packages (once; cached in $base)"
  rootfs="$(mktemp -d)/rootfs.tar"
  # (Leaving out the manual pages too breaks openjdk's post-installation script.)
  mmdebstrap --quiet --variant=essential --include=openjdk-17-jre-headless,ca-certificates,bash \
    --dpkgopt='path-exclude=/usr/share/doc/*' --format=tar bookworm "$rootfs" http://deb.debian.org/debian
  podman import --quiet --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    --change 'ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64' "$rootfs" localhost/nsps-base:bookworm-17 >/dev/null
  podman save --quiet --format docker-archive -o "$base.partial" localhost/nsps-base:bookworm-17
  mv "$base.partial" "$base"
  rm -rf "$(dirname "$rootfs")"
fi

say "building the image (Jib, on tar://$base)"
mvn -B -ntp -q -Pimage -DskipTests package -pl connector-dist -am -Dimage.base="tar://$base"
image="localhost/$(podman load --quiet -i connector-dist/target/nsps-connector-image.tar | sed -n 's/^Loaded image: \(localhost\/\)\{0,1\}//p')"
say "loaded $image"

# Where crun cannot run (cgroups v1 with a v2 hierarchy mounted, as on some CI hosts) runc can;
# the container's open-file limit stays within this host's hard limit.
files=$(( $(ulimit -Hn) < 65536 ? $(ulimit -Hn) : 65536 ))
podman_run=(podman --runtime "$(command -v runc)" run --ulimit "nofile=$files:$files" --ulimit "nproc=4096:4096")

secrets="$(mktemp -d)"
printf '%s' "image-smoke-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')" > "$secrets/api-token"
chmod 0755 "$secrets" && chmod 0444 "$secrets/api-token"
token="$(cat "$secrets/api-token")"
# Two ports, bound at once so that they differ.
read -r port management_port < <(python3 -c 'import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])')
name="nsps-image-smoke-$$"
context="$(mktemp -d)"
cleanup() {
  rm -rf "$context"
  if [ "$keep" = false ]; then
    podman rm -f "$name" >/dev/null 2>&1 || true
    podman rmi -f "$image" >/dev/null 2>&1 || true
    [ -z "${derived:-}" ] || podman rmi -f "$derived" >/dev/null 2>&1 || true
  fi
  rm -rf "$secrets"
}
trap cleanup EXIT

# The image names the commit it was built from (a default substituted too early said "unknown").
revision="$(podman image inspect --format '{{index .Config.Labels "org.opencontainers.image.revision"}}' "$image")"
commit="$(git rev-parse --short=10 HEAD 2>/dev/null || echo unknown)"
if [ "$revision" != "$commit" ]; then
  say "FAILED: the image's org.opencontainers.image.revision label is '$revision', the build's commit $commit"
  exit 1
fi

"${podman_run[@]}" -d --name "$name" --network host --read-only --tmpfs /tmp --cap-drop ALL \
  --security-opt no-new-privileges -v "$secrets:/run/secrets/nsps:ro" \
  -e API_TOKEN_FILE=/run/secrets/nsps/api-token -e HANDLERS=log -e HOST=127.0.0.1 -e PORT="$port" \
  -e MANAGEMENT_PORT="$management_port" "$image" >/dev/null

deadline=$((SECONDS + 90))
until curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; do
  if [ $SECONDS -ge $deadline ] || [ "$(podman inspect -f '{{.State.Running}}' "$name")" != true ]; then
    podman logs "$name" >&2 || true
    say "FAILED: /health did not answer 200 within 90 s"
    exit 1
  fi
  sleep 0.2
done
health="$(curl -fsS "http://127.0.0.1:$port/health")"
answer="$(curl -sS -o /dev/stderr -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  --data-binary @api-spec/src/main/resources/examples/events/sim-updated.json "http://127.0.0.1:$port/process-event" 2>/dev/null)"
metrics="$(curl -fsS "http://127.0.0.1:$management_port/metrics")"
podman stop --time 30 "$name" >/dev/null
exit_code="$(podman inspect -f '{{.State.ExitCode}}' "$name")"

failed=false
case "$health" in *'"status":"ok"'*'"version":"'*) ;; *) say "FAILED: /health answered $health"; failed=true ;; esac
[ "$answer" = 202 ] || { say "FAILED: the sample event was answered $answer, not 202"; failed=true; }
case "$metrics" in *'nsps_events_total{event_type="SIM/Updated",outcome="processed",status="202"} 1'*) ;;
  *) say "FAILED: /metrics on the management port did not count the event"; failed=true ;; esac
[ "$exit_code" = 0 ] || { say "FAILED: exit code $exit_code after SIGTERM, not 0"; failed=true; }
podman logs "$name" 2>&1 | grep -q 'Connector stopped' || { say "FAILED: no 'Connector stopped' line"; failed=true; }
if [ "$failed" = true ]; then
  podman logs "$name" >&2 || true
  exit 1
fi

# The Dockerfile's image records the class-data-sharing archive while it is built, with its own Java
# runtime (a RUN step, which Jib cannot have): the same step on this image, then a start that needs
# the archive (-Xshare:on stops the JVM when it cannot use it), read-only, as the image's user.
say "recording the class-data archive in a derived image, as the Dockerfile does"
derived="localhost/nsps-connector-cds:smoke-$$"
printf 'FROM %s\nUSER root\nRUN /opt/nsps-connector/bin/nsps-connector --version && [ -s /opt/nsps-connector/libs/classes.jsa ]\nUSER 10001:10001\n' \
  "$image" > "$context/Containerfile"
if ! podman build --quiet --runtime "$(command -v runc)" --ulimit "nofile=$files:$files" --ulimit "nproc=4096:4096" \
    -t "$derived" "$context" >/dev/null; then
  say "FAILED: the class-data archive could not be recorded in a derived image (the RUN step above)"
  exit 1
fi
if ! with_archive="$("${podman_run[@]}" --rm --read-only --cap-drop ALL -e JAVA_OPTS=-Xshare:on "$derived" --version 2>&1)"; then
  say "FAILED: the derived image cannot start with its class-data archive: $with_archive"
  exit 1
fi
say "passed in $((SECONDS - started)) s: $health; event 202, counted on /metrics; SIGTERM, exit 0; with the archive recorded as the Dockerfile does, started on it"
