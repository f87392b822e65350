//! Language understanding: the parse contract, the rules parser, its evaluation, and the LLM fallback.

pub mod command;
pub mod eval;
pub mod llm;
pub mod rules;

mod clause;
pub mod digest;
mod guard;
mod intents;
mod items;
mod lexicon;
mod numbers;
mod prepare;
mod reminder_talk;
mod time;
mod tokens;

#[cfg(test)]
mod tests;
