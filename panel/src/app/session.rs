//! Who is asking: cookies, the signed-in extractor, and the form tokens (CSRF) tied to a session or a login.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use execora_engine::access::{self, AccessKey, Session, operators};
use execora_engine::books::{Books, MerchantId, Role};
use execora_engine::phone::Phone;
use execora_engine::reply::Locale;
use subtle::ConstantTimeEq;

use super::layout;
use super::{BASE, Panel};

/// The session's token.
pub(crate) const SESSION_COOKIE: &str = "execora_session";
/// The login in progress: a random token before the phone is given, the code's challenge after.
pub(crate) const LOGIN_COOKIE: &str = "execora_login";
/// An operator's session token.
pub(crate) const OPERATOR_COOKIE: &str = "execora_operator";
/// The shop an operator is looking at (its id; the operator may see every shop anyway).
pub(crate) const VIEWING_COOKIE: &str = "execora_viewing";

/// The value of cookie `name`, if the request carries it.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().to_string())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Secure behind https, for `path`, living
/// `max_age` seconds (0 deletes it).
pub(crate) fn set_cookie(
    panel: &Panel,
    name: &str,
    value: &str,
    path: &str,
    max_age: i64,
) -> HeaderValue {
    let secure = if panel.secure_cookies { "; Secure" } else { "" };
    let line =
        format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}");
    HeaderValue::from_str(&line).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The form token for `purpose` bound to `bound` (a session's token hash, a login cookie).
pub(crate) fn form_token(key: &AccessKey, purpose: &str, bound: &str) -> String {
    hex::encode(key.sign(&[b"form", purpose.as_bytes(), bound.as_bytes()]))
}

/// Compares a submitted form token with the expected one in constant time.
pub(crate) fn token_matches(expected: &str, given: &str) -> bool {
    expected.as_bytes().ct_eq(given.as_bytes()).into()
}

/// The page a refused form token gets: 403, and what to do.
pub(crate) fn refused_form(locale: Locale) -> Response {
    layout::message_page(StatusCode::FORBIDDEN, locale, "panel-form-expired", None)
}

/// The language of pages shown before login: Hindi when the browser prefers it, else English.
pub(crate) fn browser_locale(headers: &HeaderMap) -> Locale {
    let preferred = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if preferred.starts_with("hi") {
        Locale::Hi
    } else {
        Locale::En
    }
}

/// A request from a signed-in browser: its session and its shop's books.
pub(crate) struct Signed {
    pub session: Session,
    pub books: Books,
    /// The session's form token.
    pub csrf: String,
    /// No WhatsApp credentials: the chat page talks to the bot.
    pub sandbox: bool,
    /// An operator (by email) looking at the shop, read-only: every page but the voice notes is
    /// open to them, no action form is shown to them, and every POST is refused before any
    /// handler runs.
    pub operator: Option<String>,
}

impl Signed {
    pub(crate) fn locale(&self) -> Locale {
        self.session.locale
    }

    pub(crate) fn is_owner(&self) -> bool {
        self.session.role == Role::Owner
    }

    /// Whether this browser may act on the shop (book, cancel, change): every phone of the shop
    /// may try (its role decides what), an operator never. Pages show their forms only then.
    pub(crate) fn may_act(&self) -> bool {
        self.operator.is_none()
    }

    /// Whether this browser may do what only the owner may: its owner, not an operator.
    pub(crate) fn acts_as_owner(&self) -> bool {
        self.is_owner() && self.may_act()
    }

    /// The 403 answer for a form whose token is not this session's; `None` when it is.
    pub(crate) fn refuse_form(&self, given: &str) -> Option<Response> {
        if token_matches(&self.csrf, given) {
            return None;
        }
        tracing::warn!(
            merchant = %self.session.merchant,
            session = self.session.id,
            "panel form refused: wrong form token"
        );
        Some(refused_form(self.locale()))
    }

    /// The 403 page for what only the owner may see or do.
    pub(crate) fn owner_only(&self) -> Response {
        layout::signed_message_page(StatusCode::FORBIDDEN, self, "panel-owner-only")
    }
}

impl FromRequestParts<Panel> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, panel: &Panel) -> Result<Signed, Response> {
        let locale = browser_locale(&parts.headers);
        if let Some(token) = cookie(&parts.headers, SESSION_COOKIE) {
            match access::session(&panel.db, &token, panel.clock.now()).await {
                Ok(Some(session)) => {
                    let books = open_books(panel, session.merchant, locale).await?;
                    let csrf = form_token(&panel.key, "session", &session.token_hash);
                    return Ok(Signed {
                        session,
                        books,
                        csrf,
                        sandbox: panel.sandbox,
                        operator: None,
                    });
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::error!(%error, "panel session could not be read");
                    return Err(layout::unavailable(locale));
                }
            }
        }
        if let Some(token) = cookie(&parts.headers, OPERATOR_COOKIE) {
            return operator_view(parts, panel, &token, locale).await;
        }
        Err(Redirect::to(&format!("{BASE}/login")).into_response())
    }
}

async fn open_books(
    panel: &Panel,
    merchant: MerchantId,
    locale: Locale,
) -> Result<Books, Response> {
    Books::open(panel.db.clone(), merchant, panel.clock.clone())
        .await
        .map_err(|error| match error {
            execora_engine::books::BooksError::MerchantNotFound(_) => layout::not_found(locale),
            error => {
                tracing::error!(%error, "panel books could not be opened");
                layout::unavailable(locale)
            }
        })
}

/// What an operator may do in a shop: read its pages. Never an action (any other method, or the
/// chat), and never a customer's voice: archived notes are streamed to the shop's own sessions.
fn open_to_operators(parts: &Parts) -> bool {
    let path = parts.uri.path();
    let path = path.strip_prefix(BASE).unwrap_or(path);
    // The chat is talking as the shop, not reading it.
    let readable = !path.starts_with("/recordings/") && path != "/chat";
    readable && (parts.method == Method::GET || parts.method == Method::HEAD)
}

/// An operator's session looking at the shop it chose: read-only, as the shop's owner sees it.
async fn operator_view(
    parts: &Parts,
    panel: &Panel,
    token: &str,
    locale: Locale,
) -> Result<Signed, Response> {
    let session = match operators::operator_session(&panel.db, token, panel.clock.now()).await {
        Ok(Some(session)) => session,
        Ok(None) => return Err(Redirect::to(&format!("{BASE}/admin/login")).into_response()),
        Err(error) => {
            tracing::error!(%error, "operator session could not be read");
            return Err(layout::unavailable(locale));
        }
    };
    if !open_to_operators(parts) {
        tracing::warn!(
            operator = session.operator.id,
            method = %parts.method,
            path = parts.uri.path(),
            "panel: refused to an operator (read-only)"
        );
        return Err(layout::message_page(
            StatusCode::FORBIDDEN,
            locale,
            "panel-admin-read-only",
            None,
        ));
    }
    let Some(merchant) = cookie(&parts.headers, VIEWING_COOKIE)
        .and_then(|id| id.parse::<i64>().ok())
        .map(MerchantId)
    else {
        return Err(Redirect::to(&format!("{BASE}/admin")).into_response());
    };
    let books = open_books(panel, merchant, locale).await?;
    let csrf = form_token(&panel.key, "session", &session.token_hash);
    Ok(Signed {
        // The operator is none of the shop's phones: no phone, the owner's view, read-only.
        session: Session {
            id: 0,
            merchant,
            phone: Phone::from_stored(String::new()),
            role: Role::Owner,
            locale,
            expires_at: session.expires_at,
            token_hash: session.token_hash,
        },
        books,
        csrf,
        sandbox: false,
        operator: Some(session.operator.email),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_several_and_several_headers() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; execora_login=xyz"),
        );
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("execora_session=abc"),
        );
        assert_eq!(cookie(&headers, "execora_session").as_deref(), Some("abc"));
        assert_eq!(cookie(&headers, "execora_login").as_deref(), Some("xyz"));
        assert_eq!(cookie(&headers, "execora"), None);
    }

    #[test]
    fn form_tokens_are_bound_to_their_purpose_and_owner() {
        let key = AccessKey::from_secret(&"k".repeat(32)).expect("key");
        let token = form_token(&key, "session", "hash-a");
        assert!(token_matches(
            &token,
            &form_token(&key, "session", "hash-a")
        ));
        assert!(!token_matches(
            &token,
            &form_token(&key, "session", "hash-b")
        ));
        assert!(!token_matches(&token, &form_token(&key, "login", "hash-a")));
        assert!(!token_matches(&token, ""));
    }
}
