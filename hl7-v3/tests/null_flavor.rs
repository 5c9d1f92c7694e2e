//! The NullFlavor code system against the standard's code list, hierarchy and profiles.

use hl7_v3::{NullFlavor, Profile};

fn codes(fs: &[NullFlavor]) -> Vec<&'static str> {
    let mut v: Vec<_> = fs.iter().map(|f| f.code()).collect();
    v.sort_unstable();
    v
}

#[test]
fn every_code_of_the_code_system() {
    // UTG v3-NullFlavor: 16 active codes and the retired NP.
    let mut expected = vec![
        "NI", "INV", "OTH", "PINF", "NINF", "UNC", "DER", "UNK", "ASKU", "NAV", "NAVU", "NASK",
        "QS", "TRC", "MSK", "NA", "NP",
    ];
    expected.sort_unstable();
    assert_eq!(codes(&NullFlavor::ALL), expected);
    for f in NullFlavor::ALL {
        assert_eq!(NullFlavor::from_code(f.code()), Some(f));
        assert_eq!(f.code().parse::<NullFlavor>(), Ok(f));
        assert_eq!(f.to_string(), f.code());
        assert!(!f.display().is_empty() && !f.definition().is_empty());
    }
    // Codes are case-sensitive; Everest's "MASK" is not a code.
    for bad in ["unk", "MASK", "", "NI "] {
        assert!(NullFlavor::from_code(bad).is_none(), "{bad}");
        assert!(bad.parse::<NullFlavor>().is_err());
    }
    assert_eq!(
        hl7_v3::null_flavor::CODE_SYSTEM_OID,
        "2.16.840.1.113883.5.1008"
    );
    let retired: Vec<_> = NullFlavor::ALL
        .into_iter()
        .filter(|f| f.is_retired())
        .collect();
    assert_eq!(retired, [NullFlavor::NP]);
}

#[test]
fn current_hierarchy_is_the_utg_parent_table() {
    use NullFlavor::*;
    let table: &[(NullFlavor, &[NullFlavor])] = &[
        (NI, &[]),
        (INV, &[NI]),
        (OTH, &[INV]),
        (PINF, &[OTH]),
        (NINF, &[OTH]),
        (UNC, &[INV]),
        (DER, &[INV]),
        (UNK, &[NI]),
        (ASKU, &[UNK]),
        (NAV, &[ASKU, NAVU]),
        (NAVU, &[UNK]),
        (NASK, &[UNK]),
        (QS, &[UNK]),
        (TRC, &[UNK]),
        (MSK, &[NI]),
        (NA, &[NI]),
        (NP, &[]),
    ];
    assert_eq!(table.len(), NullFlavor::ALL.len());
    for (code, parents) in table {
        assert_eq!(code.parents(), *parents, "{code}");
    }
    assert_eq!(NAV.ancestors(), [ASKU, NAVU, UNK, NI]);
    assert_eq!(PINF.ancestors(), [OTH, INV, NI]);
    assert_eq!(NI.depth(), 0);
    assert_eq!(NAV.depth(), 3);
}

#[test]
fn implies_is_a_partial_order_with_ni_on_top() {
    for a in NullFlavor::ALL {
        assert!(a.implies(a), "reflexive: {a}");
        // Every code but the retired NP degrades to NI.
        assert_eq!(a.implies(NullFlavor::NI), a != NullFlavor::NP, "{a}");
        for b in NullFlavor::ALL {
            if a != b && a.implies(b) {
                assert!(!b.implies(a), "antisymmetric: {a} {b}");
            }
            for c in NullFlavor::ALL {
                if a.implies(b) && b.implies(c) {
                    assert!(a.implies(c), "transitive: {a} {b} {c}");
                }
            }
            // A parent is implied; a direct parent is one step up.
            if a.parents().contains(&b) {
                assert!(a.implies(b) && a.depth() > b.depth());
            }
        }
    }
}

#[test]
fn common_ancestor_is_the_most_specific_shared_code() {
    use NullFlavor::*;
    for a in NullFlavor::ALL {
        assert_eq!(a.common_ancestor(a), Some(a));
        for b in NullFlavor::ALL {
            let c = a.common_ancestor(b);
            assert_eq!(c, b.common_ancestor(a), "symmetric: {a} {b}");
            match c {
                Some(c) => {
                    assert!(a.implies(c) && b.implies(c), "{a} {b} → {c}");
                    // No shared code is more specific.
                    for d in NullFlavor::ALL {
                        if a.implies(d) && b.implies(d) {
                            assert!(d.depth() <= c.depth(), "{a} {b}: {d} deeper than {c}");
                        }
                    }
                }
                None => assert!(a == NP || b == NP, "{a} {b}"),
            }
        }
    }
    assert_eq!(NAV.common_ancestor(NASK), Some(UNK));
    assert_eq!(NAV.common_ancestor(NAVU), Some(NAVU));
    assert_eq!(PINF.common_ancestor(NINF), Some(OTH));
    assert_eq!(PINF.common_ancestor(UNC), Some(INV));
    assert_eq!(MSK.common_ancestor(ASKU), Some(NI));
    assert_eq!(NP.common_ancestor(NI), None);
}

#[test]
fn r1_hierarchy_is_the_cda_tree() {
    use NullFlavor::*;
    // NI ⊃ {MSK, OTH ⊃ {NINF, PINF}, UNK ⊃ {ASKU ⊃ NAV, NASK, QS, TRC}, NA}; NP apart.
    for (code, parent) in [
        (MSK, Some(NI)),
        (OTH, Some(NI)),
        (NINF, Some(OTH)),
        (PINF, Some(OTH)),
        (UNK, Some(NI)),
        (ASKU, Some(UNK)),
        (NAV, Some(ASKU)),
        (NASK, Some(UNK)),
        (QS, Some(UNK)),
        (TRC, Some(UNK)),
        (NA, Some(NI)),
        (NI, None),
        (NP, None),
    ] {
        assert!(code.in_r1());
        assert_eq!(code.r1_parent(), parent, "{code}");
    }
    for code in [INV, UNC, DER, NAVU] {
        assert!(!code.in_r1() && code.r1_parent().is_none(), "{code}");
    }
    // The two hierarchies agree on every R1 code except where R2 moved OTH under INV.
    for a in NullFlavor::ALL.into_iter().filter(|f| f.in_r1()) {
        for b in NullFlavor::ALL.into_iter().filter(|f| f.in_r1()) {
            assert_eq!(a.implies_r1(b), a.implies(b), "{a} {b}");
        }
    }
    assert!(PINF.implies(INV) && !PINF.implies_r1(INV));
}

#[test]
fn profiles() {
    use NullFlavor::*;
    assert_eq!(
        codes(&Profile::CdaR2.codes()),
        codes(&[NP, NI, MSK, NA, OTH, NINF, PINF, UNK, NASK, TRC, ASKU, NAV])
    );
    assert_eq!(
        codes(&Profile::Iso21090.codes()),
        codes(&[
            NI, INV, OTH, NINF, PINF, UNC, DER, UNK, ASKU, NAV, NASK, QS, TRC, MSK, NA
        ])
    );
    assert_eq!(Profile::Current.codes().len(), 16);
    for p in [Profile::CdaR2, Profile::Iso21090, Profile::Current] {
        for f in NullFlavor::ALL {
            let d = p.degrade(f).expect("every profile has NI");
            assert!(p.allows(d) && f.current().implies(d), "{p:?} {f} → {d}");
            assert!(!d.is_retired());
        }
    }
    assert_eq!(Profile::CdaR2.degrade(QS), Some(UNK));
    assert_eq!(Profile::CdaR2.degrade(UNC), Some(NI));
    assert_eq!(Profile::CdaR2.degrade(NAVU), Some(UNK));
    assert_eq!(Profile::Iso21090.degrade(NAVU), Some(UNK));
    assert_eq!(Profile::Iso21090.degrade(NP), Some(NI));
    assert_eq!(Profile::Current.degrade(NAV), Some(NAV));
}

#[test]
fn np_is_read_but_never_written() {
    use hl7_v3::{Nullable, datatypes::II};
    let id: Nullable<II> = hl7_v3::from_xml(r#"<id nullFlavor="NP"/>"#).unwrap();
    assert_eq!(id.null_flavor(), Some(NullFlavor::NP));
    let err = hl7_v3::to_xml("id", &id).unwrap_err();
    assert!(err.to_string().contains("retired"), "{err}");
    let ni = Nullable::<II>::null(NullFlavor::NP.current());
    assert_eq!(
        hl7_v3::to_xml("id", &ni).unwrap(),
        r#"<id xmlns="urn:hl7-org:v3" nullFlavor="NI"/>"#
    );
}
