#!/usr/bin/env bash
# Seeds each target's corpus (fuzz/corpus/<target>/, not tracked) from the vendored test
# corpus: real messages, batches and the hostile edge cases. The paths target gets inputs of
# the form `path \0 value \0 message`.
set -euo pipefail
cd "$(dirname "$0")"
src=../tests/corpus
for t in tokenize parse roundtrip validate paths charset mllp v3_xml ack receiver http; do
    mkdir -p "corpus/$t"
done
n=0
while IFS= read -r -d '' f; do
    n=$((n + 1))
    for t in tokenize parse roundtrip validate charset ack; do
        cp "$f" "corpus/$t/seed-$n"
    done
    for p in 'PID-5-1' 'OBX(1)-5-2' 'MSH-10' '/PATIENT_RESULT/ORDER_OBSERVATION(1)/OBX(2)-5' 'NTE-3'; do
        { printf '%s\0x^y&z\0' "$p"; cat "$f"; } > "corpus/paths/seed-$n-$(echo "$p" | md5sum | cut -c1-6)"
    done
    # MLLP: the message framed, after a byte that chooses where the check splits the reads.
    { printf '\x40\x0b'; cat "$f"; printf '\x1c\x0d'; } > "corpus/mllp/seed-$n"
    # The receivers: the message as a connection would carry it, framed or posted.
    { printf '\x0b'; cat "$f"; printf '\x1c\x0d'; } > "corpus/receiver/seed-$n"
    { printf 'POST / HTTP/1.1\r\nHost: h\r\nContent-Type: application/hl7-v2\r\nContent-Length: %d\r\n\r\n' "$(wc -c < "$f")"; cat "$f"; } > "corpus/http/seed-$n"
done < <(find "$src/messages" "$src/edge_cases" "$src/mllp_raw" ../tests/charsets -type f -print0)
# v3 XML: the fragments the v3 tests and docs read (raw string literals starting with `<`).
perl -0ne 'my $k = 0; while (/r#"(<.*?)"#/sg) { $k++; my $name = $ARGV =~ s{[./]+}{_}gr; open(my $o, ">", "corpus/v3_xml/seed$name-$k"); print $o $1; close $o }' \
    ../hl7-v3/tests/*.rs ../hl7-v3/src/*.rs
echo "seeded $n files into fuzz/corpus/"
