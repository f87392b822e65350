//! Interim name matching (exact key); replaced by the spelling-tolerant module from the names work.
pub struct Candidate<'a, Id> {
    pub id: Id,
    pub name: &'a str,
    pub nickname: Option<&'a str>,
}
pub struct Ranked<Id> {
    pub id: Id,
    pub score: f32,
}
pub enum Resolution<Id> {
    One(Ranked<Id>),
    Ambiguous(Vec<Ranked<Id>>),
    None,
}
pub fn search_key(name: &str) -> String {
    name.trim().to_lowercase()
}
pub fn product_score(query: &str, name: &str) -> f32 {
    if search_key(query) == search_key(name) {
        1.0
    } else {
        0.0
    }
}
pub fn resolve<'a, Id: Clone>(
    query: &str,
    candidates: impl IntoIterator<Item = Candidate<'a, Id>>,
    limit: usize,
) -> Resolution<Id> {
    let mut found: Vec<Ranked<Id>> = candidates
        .into_iter()
        .filter(|c| search_key(c.name) == search_key(query))
        .map(|c| Ranked {
            id: c.id,
            score: 1.0,
        })
        .collect();
    found.truncate(limit);
    match found.len() {
        0 => Resolution::None,
        1 => Resolution::One(found.remove(0)),
        _ => Resolution::Ambiguous(found),
    }
}
