//! Attribute macros for HL7 v2 composites, segments, groups and message structures.
//!
//! `#[composite]`, `#[segment]` and `#[group]` read a struct's `#[hl7(...)]` attributes (ids,
//! positions, datatypes, usage, cardinality, length, table), build the static descriptor, and
//! turn the struct into a `Copy` view over a message (`hl7_model::typed`) with one accessor per
//! member. The logic (splitting, escapes, the grammar, validation) lives once in the runtime;
//! an expansion is a descriptor and one short accessor per member. A misuse (a missing or
//! unknown key, positions out of order, a malformed cardinality, a `Vec` or `Option` that the
//! cardinality contradicts …) is a compile error at the
//! offending attribute or field, and every error of a declaration is reported in one compile;
//! `tests/ui/` pins each message. Generated models and users' own Z-segments use the same
//! macros:
//!
//! ```ignore
//! #[hl7_model::segment]
//! #[hl7(segment = "ZPI", name = "Patient pet")]
//! pub struct Zpi {
//!     #[hl7(seq = 1, datatype = "SI", usage = "O", card = "0..1")]
//!     pub set_id: hl7_model::typed::Si,
//!     #[hl7(seq = 2, datatype = "ST", usage = "R", card = "1..*", len = 40)]
//!     pub pet_name: Vec<hl7_model::typed::St>,
//! }
//! ```

#![forbid(unsafe_code)]

mod attrs;
mod decl;
mod view;

use proc_macro::TokenStream;
use syn::{ItemStruct, parse_macro_input};

/// Turns a composite's declaration (its components, in order) into a `Copy` view over a value
/// of a parsed message (`hl7_model::typed`): one accessor per component, giving `Option` of
/// the component's view, and the datatype's descriptor.
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

/// Turns a segment's declaration (its fields, in order) into a `Copy` view over a segment of a
/// parsed message (`hl7_model::typed`): one accessor per field (`Option` of the field's view,
/// or `hl7_model::typed::Reps` when its `card` repeats), and the segment's descriptor.
///
/// ```ignore
/// #[hl7_model::segment]
/// #[hl7(segment = "ZPI", name = "Patient pet")]
/// pub struct Zpi {
///     #[hl7(seq = 1, datatype = "SI", usage = "O", card = "0..1")]
///     pub set_id: hl7_model::typed::Si,
///     #[hl7(seq = 2, datatype = "ST", usage = "R", card = "1..*", len = 40)]
///     pub pet_name: Vec<hl7_model::typed::St>,
/// }
/// ```
#[proc_macro_attribute]
pub fn segment(args: TokenStream, item: TokenStream) -> TokenStream {
    view_of(args, item, view::segment)
}

/// Turns a group's or structure's declaration (its items, in order: a segment or group
/// declared as `T` (exactly one), `Option<T>` (0..1) or `Vec<T>` (repeating)) into a `Copy`
/// view over a group occurrence of a parsed message (`hl7_model::typed`): one accessor per
/// item (`Option` of the item's view, or `hl7_model::typed::Items` when its `card` repeats),
/// and the group's (and structure's) descriptor.
#[proc_macro_attribute]
pub fn group(args: TokenStream, item: TokenStream) -> TokenStream {
    view_of(args, item, view::group)
}

fn view_of(
    args: TokenStream,
    item: TokenStream,
    expand: fn(ItemStruct, &syn::Path) -> syn::Result<proc_macro2::TokenStream>,
) -> TokenStream {
    let krate = match runtime_path(args.into()) {
        Ok(k) => k,
        Err(e) => return e.into_compile_error().into(),
    };
    let item = parse_macro_input!(item as ItemStruct);
    expand(item, &krate)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// The path the expansion names the runtime by: `::hl7_model` (what users depend on), or the
/// one given as `crate = path` (the version crates, which depend on `hl7-runtime` itself).
fn runtime_path(args: proc_macro2::TokenStream) -> syn::Result<syn::Path> {
    if args.is_empty() {
        return Ok(syn::parse_quote!(::hl7_model));
    }
    let wrong = |span| {
        syn::Error::new(
            span,
            "this attribute takes only `crate = path` (the runtime's path, `::hl7_model` by default): the definition goes in `#[hl7(...)]`",
        )
    };
    let parser = |input: syn::parse::ParseStream| -> syn::Result<syn::Path> {
        let key: syn::Token![crate] = input.parse().map_err(|e| wrong(e.span()))?;
        let _: syn::Token![=] = input.parse().map_err(|_| wrong(key.span))?;
        let path: syn::Path = input.parse()?;
        if !input.is_empty() {
            return Err(wrong(input.span()));
        }
        Ok(path)
    };
    syn::parse::Parser::parse2(parser, args)
}
