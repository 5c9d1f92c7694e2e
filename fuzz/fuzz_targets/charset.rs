#![no_main]
//! The `charset` check of `hl7_tests::hostile` under libFuzzer.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hl7_tests::hostile::charset(data));
