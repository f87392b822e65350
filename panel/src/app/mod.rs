//! The shop's panel under `/panel`: login by WhatsApp code, sessions, form tokens, security headers and the pages.
//!
//! Plain axum handlers own the HTTP side (cookies, forms, status codes, redirects); each page
//! loads its data from the engine first and then renders one leptos view to a string, inside
//! the shared [`layout`]. Nothing is sent to the browser but HTML and one stylesheet: no
//! JavaScript, so every action is a link or a form POST.
//!
//! A new page is a module in [`pages`] with its handlers, a route in [`routes`], and (if it
//! belongs in the menu) an entry in `layout::MENU`.

mod chart;
mod layout;
mod limits;
mod login;
mod pages;
mod security;
mod session;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderName;
use axum::http::request::Parts;
use axum::routing::{get, post};
use execora_engine::access::AccessKey;
use execora_engine::recordings::Recordings;
use execora_engine::store::Db;
use execora_engine::time::Clock;

pub use limits::LoginLimits;

/// What the panel is built from.
#[derive(Clone)]
pub struct PanelConfig {
    pub db: Db,
    /// "Now" for codes, sessions and the pages (the service's one clock).
    pub clock: Arc<dyn Clock>,
    /// Keys login codes and form tokens.
    pub key: AccessKey,
    /// Login codes stay in the outbox (and the server log) instead of going to WhatsApp.
    pub sandbox: bool,
    /// Cookies are `Secure` (the public address is https).
    pub secure_cookies: bool,
    /// A header the proxy in front sets to the client's address (`Fly-Client-IP`); without it
    /// the connection's peer address is the client.
    pub client_ip_header: Option<HeaderName>,
    pub limits: LoginLimits,
    /// The archive of voice notes the conversations page plays (when notes are listened to).
    pub recordings: Option<Recordings>,
}

/// What every handler shares: the configuration and the login limiters.
#[derive(Clone)]
pub(crate) struct Panel {
    config: PanelConfig,
    pub limiters: Arc<limits::Limiters>,
}

impl std::ops::Deref for Panel {
    type Target = PanelConfig;

    fn deref(&self) -> &PanelConfig {
        &self.config
    }
}

/// Where the panel lives.
pub(crate) const BASE: &str = "/panel";

/// The panel's routes, all under `/panel`, with the security headers on every answer.
pub fn routes(config: PanelConfig) -> Router {
    let panel = Panel {
        limiters: Arc::new(limits::Limiters::new(&config.limits)),
        config,
    };
    let pages = Router::new()
        .route("/", get(pages::dashboard::page))
        .route("/style.css", get(security::stylesheet))
        .route("/login", get(login::phone_form).post(login::send_code))
        .route("/login/code", get(login::code_form).post(login::check_code))
        .route("/logout", post(login::logout))
        .route("/customers", get(pages::customers::list))
        .route("/customers/{id}", get(pages::customer::page))
        .route(
            "/customers/{id}/payments",
            post(pages::customer::record_payment),
        )
        .route(
            "/customers/{id}/credits",
            post(pages::customer_actions::add_credit),
        )
        .route(
            "/customers/{id}/reminders",
            post(pages::customer_actions::schedule_reminder),
        )
        .route("/customers/{id}/statement.csv", get(pages::statement::csv))
        .route("/customers/{id}/export.json", get(pages::rights::export))
        .route("/customers/{id}/delete", post(pages::rights::ask))
        .route(
            "/customers/{id}/delete/confirm",
            post(pages::rights::confirm),
        )
        .route(
            "/customers/{id}/statement/print",
            get(pages::statement::printable),
        )
        .route("/bills", get(pages::bills::list))
        .route("/bills/{id}", get(pages::bills::detail))
        .route("/bills/{id}/cancel", post(pages::bills::cancel))
        .route("/products", get(pages::products::list))
        .route(
            "/products/{id}",
            get(pages::products::edit_form).post(pages::products::save),
        )
        .route("/reminders", get(pages::reminders::list))
        .route("/reminders/{id}", get(pages::reminders::detail))
        .route("/reminders/{id}/cancel", post(pages::reminders::cancel))
        .route("/conversations", get(pages::conversations::list))
        .route(
            "/conversations/{phone}",
            get(pages::conversations::conversation),
        )
        .route("/recordings/{id}", get(pages::conversations::recording))
        .route("/chat", get(pages::chat::page).post(pages::chat::send))
        .route("/settings", get(pages::settings::page))
        .route("/settings/shop", post(pages::settings::save_shop))
        .route(
            "/settings/reminders",
            post(pages::settings_policy::save_reminders),
        )
        .route(
            "/settings/digest",
            post(pages::settings_policy::save_digest),
        )
        .route("/settings/phones", post(pages::settings::add_phone))
        .route(
            "/settings/phones/remove",
            post(pages::settings::remove_phone),
        )
        .route(
            "/settings/sessions/{id}/revoke",
            post(pages::settings::revoke),
        )
        .route(
            "/settings/sessions/everywhere",
            post(pages::settings::everywhere),
        )
        .route("/admin", get(pages::admin::shops))
        .route(
            "/admin/login",
            get(pages::admin::login_form).post(pages::admin::log_in),
        )
        .route("/admin/logout", post(pages::admin::log_out))
        .route("/admin/shops/{id}", get(pages::admin::open_shop))
        .fallback(pages::not_found)
        .layer(axum::middleware::map_response(security::headers))
        .with_state(panel);
    Router::new().nest(BASE, pages)
}

/// The client's address for rate limits: the proxy's header when configured and readable, else
/// the connection's peer (`execora serve` records it), else unspecified.
pub(crate) struct ClientIp(pub IpAddr);

impl FromRequestParts<Panel> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        panel: &Panel,
    ) -> Result<ClientIp, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip());
        let forwarded = panel
            .client_ip_header
            .as_ref()
            .and_then(|name| parts.headers.get(name))
            .and_then(|value| value.to_str().ok())
            .and_then(|text| text.trim().parse().ok());
        Ok(ClientIp(
            forwarded.or(peer).unwrap_or(IpAddr::from([0, 0, 0, 0])),
        ))
    }
}
