//! Language understanding: the parse contract and the parsers that produce it.
pub mod command;
pub mod eval;
pub mod llm;
pub mod rules;
