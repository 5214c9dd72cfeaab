#!/usr/bin/env bash
# Runs every SmtpTools test (the README's test command; CI and `./build.ps1 -Task Test` run it too): installs the test
# server's Debian packages if missing (needs root), restores the repository's tools (pwsh 7.6.9, .config/), starts
# the private Postfix + Dovecot test server, builds, runs every xunit test through `dotnet test` and the Pester
# acceptance suite in real pwsh, prints the reliability figures the tests measured (tests/reliability.sh --report)
# and how long each part took, stops the server if it started it, and ends with one line "N passed, N failed"
# counting both suites. Exit status 0 only if all passed and the figures show no leaked credential, no lost and no
# duplicated message.
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log=$(mktemp -t smtptools-ci.XXXXXX)
server=tests/server/smtp-test-server.sh
started_here=0
timings=()
part_started=$SECONDS
# Ends the part that is running: remembers how long it took, for the summary.
part_done() {
  timings+=("$1 $((SECONDS - part_started)) s")
  part_started=$SECONDS
}
finish() {
  local passed=$1 failed=$2 rc=$3
  # Leave a server that was already running (a developer's) as it was.
  [ "$started_here" -eq 1 ] && { bash "$server" stop >/dev/null 2>&1 || true; }
  ((${#timings[@]} == 0)) || echo "time: $(IFS=,; echo "${timings[*]}" | sed 's/,/, /g'); total $SECONDS s"
  echo "$passed passed, $failed failed"
  exit "$rc"
}

echo "== installing the test server's packages"
if ! bash "$server" install; then
  echo "tests: could not install the test server's packages" >&2
  finish 0 1 1
fi

echo "== dotnet tool restore (pwsh 7.6.9)"
if ! dotnet tool restore; then
  echo "tests: could not restore the repository's tools (.config/dotnet-tools.json)" >&2
  finish 0 1 1
fi
part_done install

echo "== starting the test server"
bash "$server" status >/dev/null 2>&1 || started_here=1
if ! bash "$server" start; then
  echo "tests: the test server did not start" >&2
  finish 0 1 1
fi
part_done server

# Build everything first (dotnet test alone skips projects that are not tests, such as the benchmarks).
echo "== dotnet build SmtpTools.slnx"
dotnet build SmtpTools.slnx 2>&1 | tee "$log"
build_rc=${PIPESTATUS[0]}
if [ "$build_rc" -ne 0 ]; then
  echo "tests: the build failed" >&2
  finish 0 1 1
fi
part_done build

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
part_done xunit

# The acceptance suite, in real pwsh: its last line is "pester: N passed, N failed, N skipped".
echo "== Pester (tests/pester) in pwsh $(dotnet pwsh -NoProfile -Command '$PSVersionTable.PSVersion.ToString()' 2>/dev/null)"
dotnet pwsh -NoProfile -NonInteractive -File tests/pester/Invoke-PesterSuite.ps1 2>&1 | tee "$log"
pester_rc=${PIPESTATUS[0]}
pester_line=$(grep -E '^pester: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
if [ -z "$pester_line" ]; then
  echo "tests: the Pester suite printed no summary (pwsh or Pester did not start)" >&2
  failed=$((failed + 1))
else
  passed=$((passed + $(sed -E 's/^pester: ([0-9]+) passed.*/\1/' <<<"$pester_line")))
  failed=$((failed + $(sed -E 's/^pester: [0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$pester_line")))
fi
if [ "$pester_rc" -ne 0 ]; then
  rc=1
  grep -qE '^pester: [0-9]+ passed, 0 failed' "$log" && failed=$((failed + 1)) # exited non-zero without a failed test
fi
part_done pester

# The figures the reliability tests measured during that run (not a second run): fails on any leak, loss or duplicate.
echo "== reliability figures"
if ! bash tests/reliability.sh --report; then
  echo "tests: the reliability figures are missing or show a leak, a loss, a duplicate or a failed scenario" >&2
  [ "$failed" -eq 0 ] && failed=1
  rc=1
fi
part_done figures
[ "$failed" -gt 0 ] && rc=1
finish "$passed" "$failed" "$rc"
