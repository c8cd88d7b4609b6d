#!/usr/bin/env bash
# Our training step and the PyTorch reference side by side on the reference configuration, at
# each thread count in $THREADS (default "1 2"), then the loss check on one shared batch.
# Needs ./setup.sh first. Not part of CI.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="$here/.venv/bin/python"
steps="${STEPS:-30}"
[ -x "$python" ] || { echo "run $here/setup.sh first" >&2; exit 1; }
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
ours_bin="${CARGO_TARGET_DIR:-$root/target}/release/grpo-playground"
dump="$(mktemp -t shared-batch.XXXXXX.json)"
trap 'rm -f "$dump"' EXIT

printf '%-8s %-16s %11s %10s %9s %14s\n' threads impl "rollout ms" "update ms" "step ms" completions/s
for t in ${THREADS:-1 2}; do
  ours="$(RAYON_NUM_THREADS=$t "$ours_bin" bench --quick --json --steps "$steps" --dump-batch "$dump")"
  theirs="$("$python" "$here/grpo_reference.py" bench --threads "$t" --steps "$steps")"
  python3 - "$t" "$ours" "$theirs" <<'PY'
import json, sys
t, ours, theirs = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
for name, r in (("ours", ours), ("pytorch", theirs)):
    print(f"{t:<8} {name:<16} {r['rollout_ms']:>11.2f} {r['update_ms']:>10.2f} {r['step_ms']:>9.2f} {r['completions_per_s']:>14.0f}")
print(f"{t:<8} {'ratio':<16} {'':>11} {'':>10} {'':>9} {ours['completions_per_s'] / theirs['completions_per_s']:>13.2f}x")
PY
done
echo
"$python" "$here/grpo_reference.py" check "$dump"
