//! Language understanding: the parse contract, the rules parser, its evaluation, and the LLM fallback.

pub mod command;
pub mod eval;
mod lexicon;
pub mod llm;
mod numbers;
pub mod rules;
mod time;
mod tokens;

#[cfg(test)]
mod tests;
