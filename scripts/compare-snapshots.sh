#!/usr/bin/env bash
# Shows that a change leaves behaviour unchanged: runs the report CLI of REV (default HEAD) and of
# the working tree over the same generated sample data, in several periods, zones and locales,
# and compares what each wrote byte for byte: the snapshot JSON and the rendered digest (HTML and
# text). Both sides run with the clock fixed at one instant (a Node preload replaces Date), so the
# "generated at" stamps agree; only the per-query `milliseconds` of the snapshot are blanked.
#
#   npm run compare-snapshots -- [REV]
#
# IGNORE_QUERY_LIST=1 also leaves out the snapshot's list of queries (stats.perQuery, queries,
# rowsReturned), for a change to which queries run.
# Exit 0 when everything is identical; 1 with a diff otherwise.
set -euo pipefail

rev="${1:-HEAD}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'git -C "$root" worktree remove --force "$work/tree" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

git -C "$root" worktree add --detach --quiet "$work/tree" "$rev"
ln -s "$root/node_modules" "$work/tree/node_modules"

# Every `new Date()` and `Date.now()` of both sides returns this instant.
cat >"$work/fixed-clock.mjs" <<'JS'
const fixed = Date.parse('2026-12-01T06:00:00Z');
const RealDate = Date;
class FixedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(fixed);
    else super(...args);
  }
  static now() {
    return fixed;
  }
}
globalThis.Date = FixedDate;
JS

# One dataset for both sides, from the working tree's generator, fixed seed and end date.
(cd "$root" && npx tsx functions/sample/cli.ts --out "$work/data" --seed 7 --end 2026-11-29 >/dev/null)

# period, date, zone, locale, currency
cases=(
  "weekly 2026-11-20 UTC en USD"
  "monthly 2026-10-15 Europe/Warsaw pl USD"
  "weekly 2026-11-12 America/New_York id EUR"
  "monthly 2026-09-30 Asia/Jakarta en USD"
)

run_side() {
  local tree="$1" side="$2" i=0
  for c in "${cases[@]}"; do
    read -r period date zone locale currency <<<"$c"
    i=$((i + 1))
    (cd "$tree" && NODE_OPTIONS="--import $work/fixed-clock.mjs" npx tsx functions/cli/report.ts --data "$work/data" --out "$work/$side/$i" \
      --period "$period" --date "$date" --timezone "$zone" --locale "$locale" --currency "$currency" >/dev/null)
    # Keep what the report decides; drop the delivery ledger, the .eml (message ids, dates) and
    # the usage rollups (a cache: Parquet bytes and file times differ run to run; the snapshots
    # made from them are compared).
    rm -rf "$work/$side/$i/deliveries" "$work/$side/$i"/emails/*.eml "$work/$side/$i/rollups"
    find "$work/$side/$i/snapshots" -name '*.json' -exec sed -i -E \
      -e 's/"milliseconds": [0-9]+/"milliseconds": 0/' {} +
    # A change to which queries run (not to what they give) changes only these statistics.
    if [ "${IGNORE_QUERY_LIST:-}" = 1 ]; then
      find "$work/$side/$i/snapshots" -name '*.json' -exec node -e '
        const fs = require("node:fs");
        for (const f of process.argv.slice(1)) {
          const s = JSON.parse(fs.readFileSync(f, "utf8"));
          if (s.stats) for (const k of ["perQuery", "queries", "rowsReturned"]) delete s.stats[k];
          fs.writeFileSync(f, JSON.stringify(s, null, 2));
        }' {} +
    fi
  done
}

run_side "$work/tree" before
run_side "$root" after

sums() { (cd "$work/$1" && find . -type f | sort | xargs sha256sum); }
if diff <(sums before) <(sums after) >/dev/null; then
  echo "identical: $(sums after | wc -l) files (snapshots and digests) of ${#cases[@]} reports, $rev vs the working tree"
else
  (cd "$work" && diff -r before after | head -60) || true
  echo "DIFFERENT: $rev vs the working tree (first lines of the diff above)"
  exit 1
fi
