//! Derive macros for HL7 v2 composites, segments, groups and message structures.
//!
//! The derives read `#[hl7(...)]` attributes (ids, positions, datatypes, usage, cardinality,
//! length, table), build the static descriptor, and wire positions to struct fields. The logic
//! (splitting, joining, overflow, validation) lives once in `hl7-model`; an expansion is a
//! descriptor and a `match` per access method. A misuse (a missing or unknown key, positions
//! out of order, a cardinality that does not fit the field's type …) is a compile error at the
//! offending attribute or field, and every error of a declaration is reported in one compile;
//! `tests/ui/` pins each message. Generated models and users' own Z-segments use the same
//! derives:
//!
//! ```ignore
//! #[derive(Debug, Clone, Default, PartialEq, hl7_model::Segment)]
//! #[hl7(segment = "ZPI", name = "Patient pet")]
//! pub struct Zpi {
//!     #[hl7(seq = 1, datatype = "SI", usage = "O", card = "0..1")]
//!     pub set_id: hl7_model::value::Si,
//!     #[hl7(seq = 2, datatype = "ST", usage = "R", card = "1..*", len = 40)]
//!     pub pet_name: Vec<hl7_model::value::St>,
//!     #[hl7(tail)]
//!     pub tail: hl7_model::element::Tail,
//! }
//! ```

mod attrs;
mod expand;
mod view;

use proc_macro::TokenStream;
use syn::{DeriveInput, ItemStruct, parse_macro_input};

/// Implements `hl7_model::element::{Composite, Element}` for a struct whose fields are the
/// components, in order, plus one `#[hl7(tail)]` field.
#[proc_macro_derive(Composite, attributes(hl7))]
pub fn derive_composite(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::composite(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Implements `hl7_model::element::{Segment, SegmentType}` for a struct whose fields are the
/// segment's fields, in order, plus one `#[hl7(tail)]` field.
#[proc_macro_derive(Segment, attributes(hl7))]
pub fn derive_segment(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::segment(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Implements `hl7_model::group::{Group, GroupType}` (and `StructureType` with
/// `#[hl7(structure = "…")]`) for a struct whose fields are the body's items in order: a
/// segment or group held as `T` (exactly one), `Option<T>` (0..1) or `Vec<T>` (repeating), plus
/// one `#[hl7(tail)]` field.
#[proc_macro_derive(Group, attributes(hl7))]
pub fn derive_group(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::group(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Turns a composite's declaration (the fields of `#[derive(Composite)]`, without a tail) into
/// a `Copy` view over a value of a lean message (`hl7_model::typed`): one accessor per
/// component, giving `Option` of the component's view, and the datatype's descriptor.
///
/// ```ignore
/// #[hl7_model::composite]
/// #[hl7(datatype = "ZPN", name = "Pet name")]
/// pub struct Zpn {
///     #[hl7(seq = 1, datatype = "ST", usage = "R")]
///     pub call_name: hl7_model::typed::St,
/// }
/// ```
#[proc_macro_attribute]
pub fn composite(args: TokenStream, item: TokenStream) -> TokenStream {
    view_of(args, item, view::composite)
}

/// Turns a segment's declaration (the fields of `#[derive(Segment)]`, without a tail) into a
/// `Copy` view over a segment of a lean message (`hl7_model::typed`): one accessor per field
/// (`Option` of the field's view, or `hl7_model::typed::Reps` when its `card` repeats), and
/// the segment's descriptor.
///
/// ```ignore
/// #[hl7_model::segment]
/// #[hl7(segment = "ZPI", name = "Patient pet")]
/// pub struct Zpi {
///     #[hl7(seq = 1, datatype = "SI", usage = "O", card = "0..1")]
///     pub set_id: hl7_model::typed::Si,
///     #[hl7(seq = 2, datatype = "ST", usage = "R", card = "1..*", len = 40)]
///     pub pet_name: hl7_model::typed::St,
/// }
/// ```
#[proc_macro_attribute]
pub fn segment(args: TokenStream, item: TokenStream) -> TokenStream {
    view_of(args, item, view::segment)
}

/// Turns a group's or structure's declaration (the items of `#[derive(Group)]`, without a
/// tail) into a `Copy` view over a group occurrence of a lean message (`hl7_model::typed`):
/// one accessor per item (`Option` of the item's view, or `hl7_model::typed::Items` when its
/// `card` repeats), and the group's (and structure's) descriptor.
#[proc_macro_attribute]
pub fn group(args: TokenStream, item: TokenStream) -> TokenStream {
    view_of(args, item, view::group)
}

fn view_of(
    args: TokenStream,
    item: TokenStream,
    expand: fn(ItemStruct) -> syn::Result<proc_macro2::TokenStream>,
) -> TokenStream {
    if !args.is_empty() {
        let args = proc_macro2::TokenStream::from(args);
        return syn::Error::new_spanned(
            args,
            "this attribute takes no arguments: the definition goes in `#[hl7(...)]`",
        )
        .into_compile_error()
        .into();
    }
    let item = parse_macro_input!(item as ItemStruct);
    expand(item)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
