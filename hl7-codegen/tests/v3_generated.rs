//! The generated code of the NullFlavor code system, of the v2 ↔ v3 code tables and of
//! representative v3 data types, pinned as insta snapshots (`tests/snapshots/v3/`), so that
//! every generator or schema change is reviewed as a diff.

use std::path::Path;

use hl7_codegen::v3::load_and_check;
use hl7_codegen::v3_gen::{code_tables_module, null_flavor_module, render_type};

/// Types that cover each shape: attributes only, elements and restrictions, a null with
/// extras, name and address parts, generics whose base is the parameter, an abstract type's
/// enum, a generic family's enum (SXCM and the types derived from it), and an abstract-spec
/// alias.
const TYPES: &[&str] = &[
    "II", "CD", "CS", "ST", "TEL", "PN", "AD", "PQ", "TS", "IVL", "IVXB", "RTO", "QTY", "HIST",
    "BN", "SXCM", "SXPR",
];

#[test]
fn v3_generated_code() {
    let schema = load_and_check(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/v3"))
        .unwrap_or_else(|f| panic!("{f:#?}"));
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_path("snapshots/v3");
    settings.bind(|| {
        insta::assert_snapshot!("NullFlavor", null_flavor_module(&schema.null_flavors));
        insta::assert_snapshot!("code_tables", code_tables_module(&schema.code_tables));
        for id in TYPES {
            let source = render_type(&schema, id).unwrap_or_else(|| format!("// {id}: nothing\n"));
            insta::assert_snapshot!(*id, source);
        }
    });
}
