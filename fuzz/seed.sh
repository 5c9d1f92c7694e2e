#!/usr/bin/env bash
# Seeds each target's corpus (fuzz/corpus/<target>/, not tracked) from the vendored test
# corpus: real messages, batches and the hostile edge cases. The paths target gets inputs of
# the form `path \0 value \0 message`.
set -euo pipefail
cd "$(dirname "$0")"
src=../tests/corpus
for t in tokenize parse roundtrip validate paths; do
    mkdir -p "corpus/$t"
done
n=0
while IFS= read -r -d '' f; do
    n=$((n + 1))
    for t in tokenize parse roundtrip validate; do
        cp "$f" "corpus/$t/seed-$n"
    done
    for p in 'PID-5-1' 'OBX(1)-5-2' 'MSH-10' '/PATIENT_RESULT/ORDER_OBSERVATION(1)/OBX(2)-5' 'NTE-3'; do
        { printf '%s\0x^y&z\0' "$p"; cat "$f"; } > "corpus/paths/seed-$n-$(echo "$p" | md5sum | cut -c1-6)"
    done
done < <(find "$src/messages" "$src/edge_cases" -type f -print0)
echo "seeded $n files into fuzz/corpus/"
