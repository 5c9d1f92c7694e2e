#![no_main]
//! The `v3_xml` check of `hl7_tests::hostile` under libFuzzer.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hl7_tests::hostile::v3_xml(data));
