#!/usr/bin/env bash
# Runs every SmtpTools test (the README's test command; CI runs it too): installs the test server's Debian packages
# if missing (needs root), starts the private Postfix + Dovecot test server, runs every xunit test through
# `dotnet test`, prints the reliability figures those tests measured (tests/reliability.sh --report), stops the server
# if it started it, and ends with one line "N passed, N failed". Exit status 0 only if all passed and the figures show
# no leaked credential, no lost and no duplicated message.
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log=$(mktemp -t smtptools-ci.XXXXXX)
server=tests/server/smtp-test-server.sh
started_here=0
finish() {
  local passed=$1 failed=$2 rc=$3
  # Leave a server that was already running (a developer's) as it was.
  [ "$started_here" -eq 1 ] && { bash "$server" stop >/dev/null 2>&1 || true; }
  echo "$passed passed, $failed failed"
  exit "$rc"
}

echo "== installing the test server's packages"
if ! bash "$server" install; then
  echo "tests: could not install the test server's packages" >&2
  finish 0 1 1
fi

echo "== starting the test server"
bash "$server" status >/dev/null 2>&1 || started_here=1
if ! bash "$server" start; then
  echo "tests: the test server did not start" >&2
  finish 0 1 1
fi

# Build everything first (dotnet test alone skips projects that are not tests, such as the benchmarks).
echo "== dotnet build SmtpTools.slnx"
dotnet build SmtpTools.slnx 2>&1 | tee "$log"
build_rc=${PIPESTATUS[0]}
if [ "$build_rc" -ne 0 ]; then
  echo "tests: the build failed" >&2
  finish 0 1 1
fi

echo "== dotnet test SmtpTools.slnx"
# The reliability tests write their figures as they run; start from none so stale figures can never pass.
rm -f "${SMTPTOOLS_RELIABILITY_DIR:-out/reliability}"/*.tally
dotnet test SmtpTools.slnx --no-build 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

# dotnet test prints one summary per test project: "Passed!  - Failed: 0, Passed: 42, Skipped: 0, Total: 42, ..."
passed=$(grep -Eo 'Failed: +[0-9]+, Passed: +[0-9]+' "$log" | awk -F'[:,] *' '{p += $4} END {print p + 0}')
failed=$(grep -Eo 'Failed: +[0-9]+, Passed: +[0-9]+' "$log" | awk -F'[:,] *' '{f += $2} END {print f + 0}')
projects=$(grep -Ec 'Failed: +[0-9]+, Passed: +[0-9]+' "$log")

if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # A build error or a crashed test host produces no per-test failure: count it as one.
  echo "tests: dotnet test exited $rc without reporting a failed test (build error or crashed test host)" >&2
  failed=1
fi
if [ "$projects" -lt 2 ]; then
  echo "tests: expected a summary from both test projects, saw $projects" >&2
  [ "$failed" -eq 0 ] && failed=1
  rc=1
fi

# The figures the reliability tests measured during that run (not a second run): fails on any leak, loss or duplicate.
echo "== reliability figures"
if ! bash tests/reliability.sh --report; then
  echo "tests: the reliability figures are missing or show a leak, a loss, a duplicate or a failed scenario" >&2
  [ "$failed" -eq 0 ] && failed=1
  rc=1
fi
[ "$failed" -gt 0 ] && rc=1
finish "$passed" "$failed" "$rc"
