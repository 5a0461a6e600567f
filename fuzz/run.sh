#!/usr/bin/env bash
# Runs every fuzz target (cargo-fuzz, libFuzzer) for a while, as scripts/test does:
#   fuzz/run.sh                 every target, 30 s each
#   fuzz/run.sh pdf_text 3600   one target for an hour
# Installs cargo-fuzz from crates.io when it is missing. The stable toolchain runs it with
# RUSTC_BOOTSTRAP=1 (cargo-fuzz passes unstable flags); targets are built without a
# sanitizer (`-s none`: the code is safe Rust, libFuzzer's coverage still guides). Builds
# go to "$CARGO_TARGET_DIR/fuzz" so that CI reuses them. Each run starts from the committed
# corpus (fuzz/corpus/TARGET) and the crash inputs already fixed (fuzz/regressions/TARGET);
# new inputs go to a temporary directory, never into the repository. Any crash, hang
# (-timeout), memory blow-up (-rss_limit_mb) or failed property fails the script and names
# the input, copied to "$CARGO_TARGET_DIR/fuzz-artifacts/TARGET/".
set -euo pipefail
cd "$(dirname "$0")"

TARGETS=(fhir_search rif_rows pdf_text oauth_request form_decoding)
if [ $# -ge 1 ]; then TARGETS=("$1"); fi
SECONDS_EACH="${2:-${FUZZ_SECONDS:-30}}"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/bluebutton/target}"
export RUSTC_BOOTSTRAP=1
target_dir="$CARGO_TARGET_DIR/fuzz"

if ! cargo fuzz --version >/dev/null 2>&1; then
  printf '==> installing cargo-fuzz (crates.io)\n'
  cargo install cargo-fuzz --locked --quiet
fi

build=(--sanitizer none --target-dir "$target_dir")
started=$(date +%s)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
one=()
if [ $# -ge 1 ]; then one=("$1"); fi
if ! cargo fuzz build "${build[@]}" "${one[@]}" >"$work/build.log" 2>&1; then
  cat "$work/build.log"
  printf 'fuzz/run.sh: the fuzz build failed\n' >&2
  exit 1
fi
printf '==> fuzz build: %s s\n' "$(( $(date +%s) - started ))"
failed=()
for t in "${TARGETS[@]}"; do
  mkdir -p "$work/$t/new" "$work/$t/artifacts"
  corpora=("$work/$t/new" "corpus/$t")
  [ -d "regressions/$t" ] && corpora+=("regressions/$t")
  flags=(-max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=30
         -artifact_prefix="$work/$t/artifacts/" -print_final_stats=1)
  printf '==> fuzzing %s for %s s\n' "$t" "$SECONDS_EACH"
  if cargo fuzz run "${build[@]}" "$t" "${corpora[@]}" -- "${flags[@]}" >"$work/$t/log" 2>&1; then
    grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|Done)|cov: .*(DONE|INITED)' "$work/$t/log" | tr '\n' ' '
    printf '\n'
  else
    tail -n 60 "$work/$t/log"
    mkdir -p "$CARGO_TARGET_DIR/fuzz-artifacts/$t"
    for a in "$work/$t/artifacts"/*; do
      [ -e "$a" ] || continue
      cp "$a" "$CARGO_TARGET_DIR/fuzz-artifacts/$t/"
      printf 'fuzz/run.sh: %s failed on input %s\n' "$t" "$CARGO_TARGET_DIR/fuzz-artifacts/$t/$(basename "$a")" >&2
    done
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  printf 'fuzz/run.sh: failed: %s (reproduce: RUSTC_BOOTSTRAP=1 cargo fuzz run -s none TARGET INPUT)\n' "${failed[*]}" >&2
  exit 1
fi
printf '==> fuzzing passed in %s s\n' "$(( $(date +%s) - started ))"
