#![no_main]
//! The `receiver` check of `hl7_tests::hostile` under libFuzzer.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hl7_tests::hostile::receiver(data));
