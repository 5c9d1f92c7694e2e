//! The generated v3 datatypes stay small enough to hold by value: a document holds thousands of
//! them, and a deep one is built on the stack.

use hl7_v3::Nullable;
use hl7_v3::datatypes::*;

#[test]
fn every_generated_datatype_is_at_most_256_bytes() {
    let sizes = [
        ("AnyValue", size_of::<AnyValue>()),
        ("BL", size_of::<BL>()),
        ("ED", size_of::<ED>()),
        ("ST", size_of::<ST>()),
        ("SC", size_of::<SC>()),
        ("CD", size_of::<CD>()),
        ("CE", size_of::<CE>()),
        ("CV", size_of::<CV>()),
        ("CS", size_of::<CS>()),
        ("CO", size_of::<CO>()),
        ("CR", size_of::<CR>()),
        ("II", size_of::<II>()),
        ("TEL", size_of::<TEL>()),
        ("AD", size_of::<AD>()),
        ("ADXP", size_of::<ADXP>()),
        ("EN", size_of::<EN>()),
        ("ENXP", size_of::<ENXP>()),
        ("PN", size_of::<PN>()),
        ("ON", size_of::<ON>()),
        ("TN", size_of::<TN>()),
        ("INT", size_of::<INT>()),
        ("REAL", size_of::<REAL>()),
        ("PQ", size_of::<PQ>()),
        ("PQR", size_of::<PQR>()),
        ("MO", size_of::<MO>()),
        ("TS", size_of::<TS>()),
        ("IVL<TS>", size_of::<IVL<TS>>()),
        ("IVL<PQ>", size_of::<IVL<PQ>>()),
        ("IVXB<TS>", size_of::<IVXB<TS>>()),
        ("PIVL<TS>", size_of::<PIVL<TS>>()),
        ("EIVL<TS>", size_of::<EIVL<TS>>()),
        ("SXPR<TS>", size_of::<SXPR<TS>>()),
        ("Sxcm<TS>", size_of::<Sxcm<TS>>()),
        ("RTO<PQ, PQ>", size_of::<RTO<PQ, PQ>>()),
        ("UVP<TS>", size_of::<UVP<TS>>()),
        ("PPD<PQ>", size_of::<PPD<PQ>>()),
        ("Nullable<CD>", size_of::<Nullable<CD>>()),
        ("Nullable<AD>", size_of::<Nullable<AD>>()),
    ];
    let mut shown: Vec<_> = sizes.iter().collect();
    shown.sort_by_key(|(_, s)| std::cmp::Reverse(*s));
    eprintln!("largest: {:?}", &shown[..8]);
    for (name, size) in sizes {
        assert!(size <= 256, "{name} is {size} bytes");
    }
}
