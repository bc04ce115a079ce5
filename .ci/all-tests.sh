#!/usr/bin/env bash
# Every check of soundloc, Rust and Python, as CI runs them. Needs only the Rust
# toolchain and python3; the Python tools go into .venv/ (created on first run).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "Rust: formatting and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings

step "Rust: API docs build without warnings"
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps -p soundloc

step "Rust: tests (library, CLI, examples, doc tests)"
cargo test --locked
cargo build --locked -p soundloc-examples --examples

step "Rust: benches compile (they are timed by hand, never in CI)"
cargo bench --locked -p soundloc-benches --no-run

step "Fuzz targets: each runs its seed corpus, then fuzzes for ${FUZZ_SECONDS:=15} s"
# cargo-fuzz on the stable toolchain, without a sanitizer (-s none): libFuzzer's
# coverage still guides it. New inputs go to a scratch folder, not the committed corpus.
if ! command -v cargo-fuzz >/dev/null; then
    cargo install --locked --version 0.13.2 cargo-fuzz
fi
fuzz_scratch=$(mktemp -d)
for target in wav_reader scene_parser gcc_phat multilateration; do
    mkdir -p "$fuzz_scratch/$target"
    log="$fuzz_scratch/$target.log"
    if ! (cd fuzz && cargo fuzz run -s none -O "$target" "$fuzz_scratch/$target" \
        "corpus/$target" -- -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 >"$log" 2>&1); then
        tail -n 40 "$log"
        echo "fuzz target $target failed; the input is in fuzz/artifacts/$target/" >&2
        exit 1
    fi
    echo "$target: $(grep -E '^Done' "$log")"
done
rm -rf "$fuzz_scratch"

step "Python: virtual environment and the package"
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# pyroomacoustics is a test-only dependency: the DOA tests compare against it;
# matplotlib is optional for users (soundloc[plot]), installed here to test the plots;
# nbmake and ipykernel run the notebooks in examples/ as tests.
.venv/bin/python -m pip install --quiet maturin numpy pytest pyroomacoustics matplotlib nbmake ipykernel
.venv/bin/python -m pip install --quiet ./python

step "Python: tests, and the notebooks run top to bottom"
.venv/bin/python -m pytest python/tests -q
.venv/bin/python -m pytest --nbmake examples/*.ipynb -q
