//! Integration tests of the schemas and the toolkit built on them; the tests live in `tests/`.
//! The library holds what the fuzz targets in `fuzz/` share with those tests.

#![forbid(unsafe_code)]

pub mod hostile;
