//! Integration tests of the schemas and the toolkit built on them; the tests live in `tests/`.
