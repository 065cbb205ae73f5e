#!/usr/bin/env python3
"""Interleaved A/B comparison of connectors on this machine (run it through `scripts/bench.sh compare`).

    scripts/bench.sh compare [options] NAME=SPEC NAME=SPEC ...

SPEC is a connector and its settings, comma-separated:
  @REV            the code at a git revision (a worktree in a temporary directory, built by its launcher)
  DIR             a checkout whose launcher (DIR/nsps-connector) is used as it is
  K=V             an environment setting for that connector (JAVA_OPTS=-Xmn48m, LOG_FORMAT=text, ...)
With neither @REV nor DIR, the connector is this checkout's. Examples:
  scripts/bench.sh compare before=@HEAD~1 after=
  scripts/bench.sh compare default= text=LOG_FORMAT=text --rounds 6
  scripts/bench.sh compare --scenario hlr-pg before=@main after=
  scripts/bench.sh compare --scenario start --rounds 10 default= cds0=JAVA_OPTS=-Xshare:off
--scenario: log (the log handler, the default), hlr (hlr-hss against a fake HLR, nginx answering 200) or
hlr-pg (the same on PostgreSQL, each connector in a schema of its own); the hlr scenarios give the
fake HLR's and PostgreSQL's CPU per event beside the connector's, and statements and commits per event.
start: no load; each round starts each connector once, through its distribution's launcher as the
release runs it, with hlr-hss against a fake HLR, and gives the time to its first 202 and its RSS 3 s
later (scenario d of the full benchmark, interleaved).

Why interleaved: the machines are shared and their speed drifts by 10-30% within minutes, more than most
code changes move a figure. All connectors run at once (each warmed up until its JIT is idle), and are
measured in turn, round after round, the order reversed every other round; the medians over the rounds
are compared. The connector started second tends to end with 12-15 MB more RSS whatever its code: compare
RSS only across rounds run both ways (--swap starts them in the reverse order).
"""
import argparse
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import bench  # noqa: E402  (the same load, event, measurements and servers as the full benchmark)


class Variant:
    def __init__(self, name, launcher, env):
        self.name, self.launcher, self.env = name, launcher, env
        self.server = None
        self.url = None
        self.schema = None
        self.rounds = []


def parse_variant(argument, worktrees):
    if "=" not in argument:
        raise SystemExit(f"compare: '{argument}' is not NAME=SPEC")
    name, spec = argument.split("=", 1)
    home, env = bench.ROOT, {}
    for part in filter(None, spec.split(",")):
        if part.startswith("@"):
            home = worktree(part[1:], worktrees)
        elif "=" in part:
            key, value = part.split("=", 1)
            env[key] = value
        else:
            home = pathlib.Path(part).resolve()
    launcher = home / "nsps-connector"
    if not launcher.exists():
        raise SystemExit(f"compare: no launcher at {launcher}")
    return Variant(name, launcher, env)


def worktree(revision, worktrees):
    """The code at `revision`, checked out next to this one and built by its own launcher."""
    directory = pathlib.Path(tempfile.mkdtemp(prefix="nsps-compare-"))
    if subprocess.run(["git", "-C", str(bench.ROOT), "worktree", "add", "--detach", "-q", str(directory), revision]).returncode != 0:
        directory.rmdir()
        raise SystemExit(f"compare: cannot check out {revision}")
    worktrees.append(directory)
    print(f"building {revision} in {directory}", flush=True)
    # The launcher builds its distribution and records its class-data archive on first use.
    if subprocess.run([str(directory / "nsps-connector"), "--version"], stdout=subprocess.DEVNULL).returncode != 0:
        raise SystemExit(f"compare: {revision} does not build")
    return directory


def start(variant, scenario, hlr_port):
    port = bench.free_port()
    env = {"HANDLERS": "log"}
    if scenario != "log":
        env = {"HANDLERS": "hlr-hss", "HLR_API_URL": f"http://127.0.0.1:{hlr_port}/hlr"}
    if scenario == "hlr-pg":
        variant.schema = bench.fresh_schema(f"compare_{variant.name}")
        env.update({"STATE_STORE": "postgres", "STATE_DB_URL": f"jdbc:postgresql://{bench.PG['host']}:{bench.PG['port']}/{bench.PG['db']}",
                    "STATE_DB_USER": bench.PG["user"], "STATE_DB_SCHEMA": variant.schema})
    variant.server = bench.connector(port, {**env, **variant.env}, variant.launcher)
    variant.url = f"http://127.0.0.1:{port}/process-event"
    # 400 (an empty object is not an event) proves the server answers, without storing anything.
    bench.wait_until(lambda: bench.post(variant.url, b"{}") in (400, 422), 120)


def compare_starts(variants, rounds, hlr_port):
    """Each round starts every variant once (the order reversed every other round) and records the time
    to its first 202 and its idle RSS; then the medians and ranges."""
    for variant in variants:
        # Its launcher builds the distribution when stale and records the class-data archive: not timed.
        subprocess.run([str(variant.launcher), "--version"], stdout=subprocess.DEVNULL, env={**os.environ, **variant.env}, check=True)
    for number in range(rounds):
        for variant in (variants if number % 2 == 0 else list(reversed(variants))):
            distribution = variant.launcher.parent / "connector-dist/target/nsps-connector/bin/nsps-connector"
            first, idle = bench.start_once(distribution, variant.env, hlr_port, f"start-{variant.name}-{number}")
            variant.rounds.append((first, idle))
            print(f"{variant.name} #{number + 1}: first 202 {first:6.0f} ms  idle rss {idle:6.1f} MB", flush=True)
    print(f"\nmedians over {rounds} starts each:")
    for variant in variants:
        firsts, idles = [r[0] for r in variant.rounds], [r[1] for r in variant.rounds]
        print(f"  {variant.name:12} first 202 {statistics.median(firsts):6.0f} ms ({min(firsts):.0f}-{max(firsts):.0f})"
              f"  idle rss {statistics.median(idles):6.1f} MB ({min(idles):.1f}-{max(idles):.1f})")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("variants", nargs="+", metavar="NAME=SPEC")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--duration", type=int, default=10, help="seconds of each measured run")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=60)
    parser.add_argument("--max-warmup", type=int, default=420)
    parser.add_argument("--event-bytes", type=int, default=0, help="pad the event to this size (0: the ~1.9 KB standard event)")
    parser.add_argument("--reference", action="store_true", help="measure nginx too, and give every CPU figure as a ratio to it")
    parser.add_argument("--swap", action="store_true", help="start the connectors in the reverse order")
    parser.add_argument("--scenario", choices=("log", "hlr", "hlr-pg", "start"), default="log",
                        help="log: the log handler; hlr: hlr-hss against a fake HLR; hlr-pg: the same on PostgreSQL;"
                             " start: start-up to the first 202, and idle RSS")
    args = parser.parse_args()
    for tool in ("nginx",) if args.scenario == "start" else ("wrk", "nginx"):
        if not (shutil.which(tool) or (tool == "nginx" and os.path.exists("/usr/sbin/nginx"))):
            raise SystemExit(f"compare: {tool} is missing (scripts/bench.sh installs it)")

    worktrees = []
    work = pathlib.Path(tempfile.mkdtemp(prefix="nsps-compare-"))
    lua = work / "post.lua"
    lua.write_text(bench.LUA)
    body = work / "event.json"
    body.write_text(bench.event_template(args.event_bytes or None))
    variants = []
    reference = None
    upstream = None
    try:
        hlr_port = None
        if args.scenario != "log":
            (work / "hlr").mkdir()
            (work / "hlr" / "body").mkdir()
            hlr_port = bench.free_port()
            upstream = bench.nginx(work / "hlr", hlr_port)
        variants = [parse_variant(argument, worktrees) for argument in args.variants]
        if len({v.name for v in variants}) != len(variants):
            raise SystemExit("compare: two variants have the same name")
        if args.scenario == "start":
            return compare_starts(variants, args.rounds, hlr_port)
        for variant in (reversed(variants) if args.swap else variants):
            start(variant, args.scenario, hlr_port)
        for variant in variants:
            print(f"{variant.name}: warming up", flush=True)
            bench.warm_up(variant.server, variant.url, args.connections, str(lua), body, args.warmup, args.max_warmup)
        measured = list(variants)
        if args.reference:
            (work / "nginx").mkdir()
            port = bench.free_port()
            reference = Variant("nginx", None, {})
            reference.server = bench.nginx(work / "nginx", port)
            reference.url = f"http://127.0.0.1:{port}/"
            measured.append(reference)
        for variant in variants:
            # Those warmed up first have idled since, long enough to have returned their heap
            # (IDLE_MEMORY_RETURN_AFTER): a few seconds of load make every one equally warm again.
            bench.wrk(variant.url, args.connections, 5, str(lua), body)
        for number in range(args.rounds):
            for variant in (measured if number % 2 == 0 else list(reversed(measured))):
                if upstream is not None and variant is not reference:
                    variant.rounds += bench.measure_provisioning(f"{variant.name} #{number + 1}", [variant.server], upstream, [variant.url],
                                                                 [args.connections], args.duration, str(lua), body,
                                                                 args.scenario == "hlr-pg", repeats=1)
                else:
                    variant.rounds += bench.measure(f"{variant.name} #{number + 1}", variant.server, variant.url, [args.connections],
                                                    args.duration, str(lua), body, repeats=1)
        print(f"\nmedians over {args.rounds} rounds, {args.connections} connections, {args.duration} s each:")
        for variant in measured:
            median = lambda key: statistics.median(r[key] for r in variant.rounds)
            low, high = min(r["cpu_us"] for r in variant.rounds), max(r["cpu_us"] for r in variant.rounds)
            ratio = ""
            if reference is not None and variant is not reference:
                ratio = f" ({median('cpu_us') / statistics.median(r['cpu_us'] for r in reference.rounds):.1f}x nginx)"
            extra = ""
            if "upstream_cpu_us" in variant.rounds[0]:
                extra += f"  fake HLR {median('upstream_cpu_us'):5.1f} us/req"
            if "pg_cpu_us" in variant.rounds[0]:
                extra += (f"  postgres {median('pg_cpu_us'):6.1f} us/event, {median('statements'):.1f} statements,"
                          f" {median('commits'):.2f} commits per event")
            print(f"  {variant.name:12} cpu {median('cpu_us'):7.1f} us/req{ratio} (rounds {low:.1f}-{high:.1f})"
                  f"  p50 {median('p50'):6.2f} ms  p99 {median('p99'):6.2f} ms  {median('rps'):8.0f} req/s"
                  f"  rss {median('rss'):6.1f} MB  errors {sum(r['errors'] for r in variant.rounds)}{extra}")
    finally:
        for variant in variants + ([reference] if reference else []):
            if variant.server:
                variant.server.stop()
            if variant.schema:
                bench.psql(f"drop schema if exists {variant.schema} cascade")
        if upstream is not None:
            upstream.stop()
        for directory in worktrees:
            subprocess.run(["git", "-C", str(bench.ROOT), "worktree", "remove", "--force", str(directory)], check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
