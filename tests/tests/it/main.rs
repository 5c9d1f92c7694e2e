//! The integration tests, one binary: every module links the toolkit with all 13 versions, so
//! building them as one test target links the version crates once rather than once per topic.

mod builders;
mod charsets;
mod common;
mod corpus_messages;
mod derive;
mod descriptors;
mod er7_tokenizer;
mod golden;
mod hostile_inputs;
mod json;
mod lean_tree;
mod matcher;
mod parse_robustness;
mod paths;
mod schemas;
mod typed_models;
mod typed_segments;
mod typed_views;
mod validation;
