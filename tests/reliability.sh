#!/usr/bin/env bash
# The reliability figures (issue 6): fault scenarios tried and survived, credentials leaked, messages lost, messages
# duplicated, bad inputs rejected before any network I/O, fuzz cases run. Each reliability test (xunit trait
# Category=Reliability, in both test projects) records what it measured in out/reliability/<test project>.tally; this
# adds the lines up.
#
#   tests/reliability.sh            run only the reliability tests, then print the figures
#   tests/reliability.sh --report   print the figures of the last run (tests/run.sh runs every test, then this)
#
# Exit status 1 when a credential leaked, a message was lost or duplicated, a scenario failed, or figures are missing.
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dir=${SMTPTOOLS_RELIABILITY_DIR:-out/reliability}
projects=(SmtpTools.Engine.Tests SmtpTools.Module.Tests)

if [ "${1:-}" != "--report" ]; then
  rm -f "$dir"/*.tally
  dotnet test SmtpTools.slnx --filter "Category=Reliability" || echo "reliability: some reliability tests failed" >&2
fi

missing=0
for project in "${projects[@]}"; do
  if [ ! -s "$dir/$project.tally" ]; then
    echo "reliability: no figures from $project in $dir: did its tests run?" >&2
    missing=1
  fi
done
[ "$missing" -eq 0 ] || exit 1

# Lines: survived=1 leaked=0 lost=0 duplicated=0 badinputs=0 rejected=0 fuzz=0 [certs=0 certsheld=0 bodies=0
# bodiesheld=0 bounded=0 boundedheld=0 escapes=0 escapesheld=0] name=...
awk '
  { for (i = 1; i < NF && $i !~ /^name=/; i++) { split($i, kv, "="); sum[kv[1]] += kv[2] } tried++
    if ($1 == "survived=0") { sub(/^.*name=/, ""); failed = failed "\n  did not survive: " $0 } }
  END {
    printf "reliability: scenarios %d/%d survived, credentials leaked %d, messages lost %d, messages duplicated %d, bad inputs rejected before I/O %d/%d, fuzz cases %d\n",
      sum["survived"], tried, sum["leaked"], sum["lost"], sum["duplicated"], sum["rejected"], sum["badinputs"], sum["fuzz"]
    printf "reliability: hostile servers: certificate cases refused %d/%d, bodies sent canonical %d/%d, conversations bounded %d/%d, escapes neutralised %d/%d\n",
      sum["certsheld"], sum["certs"], sum["bodiesheld"], sum["bodies"], sum["boundedheld"], sum["bounded"], sum["escapesheld"], sum["escapes"]
    if (failed != "") printf "%s\n", substr(failed, 2) > "/dev/stderr"
    bad = sum["leaked"] > 0 || sum["lost"] > 0 || sum["duplicated"] > 0 || sum["survived"] < tried || sum["rejected"] < sum["badinputs"] || tried == 0 \
      || sum["certsheld"] < sum["certs"] || sum["bodiesheld"] < sum["bodies"] || sum["boundedheld"] < sum["bounded"] || sum["escapesheld"] < sum["escapes"]
    exit bad ? 1 : 0
  }' "$dir"/*.tally
