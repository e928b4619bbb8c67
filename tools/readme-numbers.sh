#!/bin/sh
# Regenerates every number README.md quotes for the Fashion-MNIST example (examples/FashionMnistFineTune) from one
# fresh run: the results table and the pretrained base's accuracy. The numbers depend on the libtorch thread count,
# so the run is pinned to THREADS (default 2, what README states): DOTNET_PROCESSOR_COUNT sets
# Environment.ProcessorCount, which the runtime uses for torch.set_num_threads when a spec sets no `threads:`.
#
#   tools/readme-numbers.sh          print the table and the base accuracy as README quotes them
#   tools/readme-numbers.sh --check  also compare them with README.md; exit 1 (with a diff) when they differ
#
# About 2 minutes on 2 cores (pretraining included). The run retrains the base (--pretrain), so nothing cached counts.
set -eu
cd "$(dirname "$0")/.."
THREADS="${THREADS:-2}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

DOTNET_PROCESSOR_COUNT="$THREADS" dotnet run -c Release --project examples/FashionMnistFineTune -- --pretrain > "$out/run.txt" 2>&1 || {
    cat "$out/run.txt" >&2; echo "readme-numbers: the example failed" >&2; exit 2; }

# The results table: its header line and the four rows after it.
sed -n '/^run  *epochs  val-loss/,/^from scratch/p' "$out/run.txt" > "$out/table.txt"
base="$(sed -n 's/^ *base network: val-accuracy \([0-9.]*\) .*/\1/p' "$out/run.txt")"
base3="$(printf '%.3f' "$base")"
echo "threads: $THREADS"
cat "$out/table.txt"
echo "base val-accuracy: $base ($base3 in README's text)"

[ "${1:-}" = "--check" ] || exit 0
sed -n '/^Measured on [0-9]* CPU cores with [0-9]* libtorch threads/,/^from scratch/p' README.md | sed -n '/^run  *epochs/,/^from scratch/p' > "$out/readme-table.txt"
status=0
if ! diff -u "$out/readme-table.txt" "$out/table.txt"; then
    echo "readme-numbers: README.md's Fashion-MNIST table differs from a fresh run at $THREADS threads (above: - README, + run)" >&2
    status=1
fi
grep -q "Measured on [0-9]* CPU cores with $THREADS libtorch threads" README.md || { echo "readme-numbers: README.md does not state $THREADS threads" >&2; status=1; }
grep -q "val-accuracy $base3 on its own 8 classes" README.md || { echo "readme-numbers: README.md does not quote the base's val-accuracy $base3" >&2; status=1; }
# The sentence after the table quotes three accuracies of the table: each must be one of the table's.
for quoted in $(sed -n '/^The pretrained base (val-accuracy/,/^$/p' README.md | grep -o '0\.[0-9]\{3\}' | sort -u); do
    [ "$quoted" = "$base3" ] && continue
    grep -q "$(printf '%s' "$quoted")0 " "$out/table.txt" || { echo "readme-numbers: README.md quotes $quoted, which the run's table does not show" >&2; status=1; }
done
exit $status
