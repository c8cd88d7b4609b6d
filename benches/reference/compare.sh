#!/usr/bin/env bash
# Our training step and the PyTorch reference side by side on the reference configuration, with
# 1 and with 2 threads each, then the loss check on one shared batch. Needs ./setup.sh first.
# Not part of CI.
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

rows=()
for t in 1 2; do
  rows+=("$("$ours_bin" bench --quick --json --threads "$t" --steps "$steps" --dump-batch "$dump")")
  rows+=("$("$python" "$here/grpo_reference.py" bench --threads "$t" --steps "$steps")")
done
python3 - "${rows[@]}" <<'PY'
import json, sys
rows = [json.loads(a) for a in sys.argv[1:]]
print(f"{'impl':<24} {'threads':>7} {'rollout ms':>11} {'update ms':>10} {'step ms':>9} {'completions/s':>14}")
for ours, torch in zip(rows[::2], rows[1::2]):
    for name, r in (("grpo-playground (burn)", ours), ("pytorch " + torch["torch"], torch)):
        print(f"{name:<24} {r['threads']:>7} {r['rollout_ms']:>11.2f} {r['update_ms']:>10.2f} "
              f"{r['step_ms']:>9.2f} {r['completions_per_s']:>14.0f}")
    print(f"{'ours / pytorch':<24} {ours['threads']:>7} {'':>11} {'':>10} {'':>9} "
          f"{ours['completions_per_s'] / torch['completions_per_s']:>13.2f}x")
PY
echo
"$python" "$here/grpo_reference.py" check "$dump"
