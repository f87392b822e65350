//! `GET /panel/settings`: the shop's language (the panel's too), UPI id and large-amount limit, its reminder policy (in `settings_policy`), its phones and their roles (the owner's to change), and the browsers logged in, each with a way out.
//!
//! Staff see the shop's settings but cannot change them (a 403 for every owner-only POST), and
//! see and end only their own sessions; the owner may also end staff sessions. Every change is
//! a plain setter through the engine (setting a value twice sets it once), then a 303 back to
//! the page with what happened.

use std::str::FromStr;

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use execora_engine::access::{self, SessionInfo};
use execora_engine::books::digest;
use execora_engine::books::merchants::{self, PhoneRemoval};
use execora_engine::books::{BooksError, Role, SettingsChange};
use execora_engine::money::{MAX_BOOKING, Paise};
use execora_engine::phone::Phone;
use execora_engine::reply::{Locale, format_when, label, label_with};
use execora_engine::time::{from_millis, local};
use leptos::prelude::*;
use serde::Deserialize;

use super::forms::action_form;
use super::{books_error, settings_policy};
use crate::app::layout::{self, Nav};
use crate::app::session::{SESSION_COOKIE, Signed, set_cookie};
use crate::app::{BASE, Panel};

pub(super) fn settings_path() -> String {
    format!("{BASE}/settings")
}

/// What the last change did, as the page's query names it. Only these names are shown: the
/// query is never echoed.
const NOTICES: [(&str, &str, bool); 13] = [
    ("saved", "panel-settings-saved", true),
    ("every", "panel-settings-bad-auto-days", false),
    ("cap", "panel-settings-bad-daily-cap", false),
    ("quiet", "panel-settings-bad-quiet-hours", false),
    ("digest-time", "panel-settings-bad-digest-time", false),
    ("added", "panel-settings-phone-added", true),
    ("removed", "panel-settings-phone-removed", true),
    ("revoked", "panel-settings-revoked", true),
    ("upi", "panel-settings-bad-upi", false),
    ("amount", "panel-settings-bad-amount", false),
    ("phone", "panel-settings-bad-phone", false),
    ("taken", "panel-settings-phone-taken", false),
    ("last-owner", "panel-settings-last-owner", false),
];

#[derive(Debug, Default, Deserialize)]
pub(crate) struct PageQuery {
    #[serde(default)]
    done: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ShopForm {
    #[serde(default)]
    locale: String,
    #[serde(default)]
    upi: String,
    #[serde(default)]
    large_amount: String,
    #[serde(default)]
    csrf: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct PhoneForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    csrf: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct TokenOnly {
    #[serde(default)]
    csrf: String,
}

pub(super) fn back(done: &str) -> Response {
    Redirect::to(&format!("{}?done={done}", settings_path())).into_response()
}

fn language_name(locale: Locale) -> &'static str {
    // Each language by its own name, as a switch between languages shows them.
    match locale {
        Locale::Hi => "हिन्दी",
        Locale::HiLatn => "Hinglish (Roman)",
        Locale::En => "English",
    }
}

fn role_label(locale: Locale, role: Role) -> String {
    label(
        locale,
        match role {
            Role::Owner => "panel-role-owner",
            Role::Staff => "panel-role-staff",
        },
    )
}

/// Whether this session may end `other`: its own phone's, or (the owner) a staff member's.
fn may_end(signed: &Signed, other: &SessionInfo) -> bool {
    other.phone == signed.session.phone || (signed.is_owner() && other.role == Role::Staff)
}

pub(crate) async fn page(
    State(panel): State<Panel>,
    signed: Signed,
    Query(query): Query<PageQuery>,
) -> Response {
    let locale = signed.locale();
    let merchant = signed.session.merchant;
    let db = signed.books.db();
    let loaded = async {
        Ok::<_, BooksError>((
            merchants::settings(db, merchant).await?,
            merchants::phones(db, merchant).await?,
            digest::schedule(db, merchant).await?,
        ))
    }
    .await;
    let (settings, phones, schedule) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => return books_error(locale, error),
    };
    let sessions = match access::live_sessions(db, merchant, panel.clock.now()).await {
        Ok(sessions) => sessions,
        Err(error) => {
            tracing::error!(%error, "panel sessions could not be listed");
            return layout::unavailable(locale);
        }
    };
    // Staff and operators see the values; only the owner's own browser changes them.
    let owner = signed.acts_as_owner();
    let acts = signed.may_act();
    let shop = signed.books.merchant().clone();
    let csrf = signed.csrf.clone();
    let notice = NOTICES
        .iter()
        .find(|(name, ..)| *name == query.done)
        .map(|(_, id, good)| {
            let class = if *good { "notice" } else { "error" };
            view! { <p class=class role="status">{label(locale, id)}</p> }
        });
    let title = label(locale, "panel-settings-heading");

    // The shop: language, UPI id, the large-amount limit. Staff see the values only.
    let languages = [Locale::Hi, Locale::HiLatn, Locale::En]
        .into_iter()
        .map(|choice| {
            let chosen = choice == shop.locale;
            view! {
                <option value=choice.as_str() selected=chosen>
                    {language_name(choice)}
                </option>
            }
        })
        .collect_view();
    let large = format!("{}", settings.large_amount.as_i64() / 100);
    let upi = shop.upi_id.clone().unwrap_or_default();
    let shop_section = view! {
        <section>
            <h2>{label(locale, "panel-settings-shop")}</h2>
            {(!owner).then(|| view! { <p class="muted">{label(locale, "panel-settings-owner-only")}</p> })}
            {action_form(owner, format!("{}/shop", settings_path()), csrf.clone(), view! {
                <label for="locale">{label(locale, "panel-settings-language")}</label>
                <select id="locale" name="locale" disabled=!owner>{languages}</select>
                <label for="upi">{label(locale, "panel-settings-upi")}</label>
                <input id="upi" name="upi" type="text" maxlength="80" autocomplete="off"
                    value=upi disabled=!owner/>
                <label for="large_amount">{label(locale, "panel-settings-large-amount")}</label>
                <input id="large_amount" name="large_amount" type="text" inputmode="decimal"
                    maxlength="20" value=large disabled=!owner/>
                {owner.then(|| view! { <button type="submit">{label(locale, "panel-settings-save")}</button> })}
            })}
        </section>
    };

    let policy = settings_policy::sections(locale, owner, csrf.clone(), &settings, schedule);

    let phone_rows = phones
        .iter()
        .map(|p| {
            let remove = owner.then(|| {
                view! {
                    <form method="post" action=format!("{}/phones/remove", settings_path()) class="inline">
                        <input type="hidden" name="csrf" value=csrf.clone()/>
                        <input type="hidden" name="phone" value=p.phone.to_string()/>
                        <button type="submit">{label(locale, "panel-settings-remove")}</button>
                    </form>
                }
            });
            view! {
                <li>
                    <span>{format!("{} ({})", p.phone, role_label(locale, p.role))}</span>
                    {remove}
                </li>
            }
        })
        .collect_view();
    let add_phone = owner.then(|| {
        view! {
            <form method="post" action=format!("{}/phones", settings_path()) class="stack">
                <input type="hidden" name="csrf" value=csrf.clone()/>
                <label for="phone">{label(locale, "panel-settings-phone")}</label>
                <input id="phone" name="phone" type="tel" inputmode="tel" required maxlength="20"/>
                <label for="role">{label(locale, "panel-settings-role")}</label>
                <select id="role" name="role">
                    <option value="staff">{role_label(locale, Role::Staff)}</option>
                    <option value="owner">{role_label(locale, Role::Owner)}</option>
                </select>
                <button type="submit">{label(locale, "panel-settings-add")}</button>
            </form>
        }
    });

    let zone = signed.books.zone();
    let at = move |ms: i64| format_when(local(from_millis(ms), zone), locale);
    let session_rows = sessions
        .iter()
        .filter(|s| signed.is_owner() || s.phone == signed.session.phone)
        .map(|s| {
            let line = label_with(
                locale,
                "panel-settings-session-line",
                &[
                    ("phone", s.phone.to_string()),
                    ("role", role_label(locale, s.role)),
                    ("since", at(s.created_at)),
                    ("until", at(s.expires_at)),
                ],
            );
            let this = (s.id == signed.session.id)
                .then(|| view! { <strong>{format!(" · {}", label(locale, "panel-settings-this-session"))}</strong> });
            let end = (acts && may_end(&signed, s)).then(|| {
                view! {
                    <form method="post" action=format!("{}/sessions/{}/revoke", settings_path(), s.id) class="inline">
                        <input type="hidden" name="csrf" value=csrf.clone()/>
                        <button type="submit">{label(locale, "panel-settings-revoke")}</button>
                    </form>
                }
            });
            view! { <li><span>{line}{this}</span>{end}</li> }
        })
        .collect_view();

    let body = view! {
        <h1>{title.clone()}</h1>
        {notice}
        {shop_section}
        {policy}
        <section>
            <h2>{label(locale, "panel-settings-phones")}</h2>
            <ul class="rows">{phone_rows}</ul>
            {add_phone}
        </section>
        <section>
            <h2>{label(locale, "panel-settings-sessions")}</h2>
            <ul class="rows">{session_rows}</ul>
            {acts.then(|| view! {
                <form method="post" action=format!("{}/sessions/everywhere", settings_path())>
                    <input type="hidden" name="csrf" value=csrf.clone()/>
                    <button type="submit">{label(locale, "panel-settings-logout-everywhere")}</button>
                </form>
            })}
        </section>
    };
    layout::signed_page(StatusCode::OK, &signed, Nav::Settings, title, body)
}

/// `POST /panel/settings/shop` (owner): language, UPI id and large-amount limit.
pub(crate) async fn save_shop(
    State(panel): State<Panel>,
    signed: Signed,
    Form(form): Form<ShopForm>,
) -> Response {
    if let Some(refused) = signed.refuse_form(&form.csrf) {
        return refused;
    }
    if !signed.is_owner() {
        return signed.owner_only();
    }
    let locale = signed.locale();
    let merchant = signed.session.merchant;
    let db = signed.books.db();
    let Some(language) = Locale::parse(&form.locale) else {
        return layout::not_found(locale);
    };
    let large = match Paise::from_str(form.large_amount.trim()) {
        Ok(large) if large.is_positive() && large <= MAX_BOOKING => large,
        _ => return back("amount"),
    };
    let upi = form.upi.trim();
    let upi = (!upi.is_empty()).then_some(upi);
    // The UPI id is checked first, so a refused one changes nothing.
    if let Some(upi) = upi
        && merchants::set_upi_id(db, merchant, Some(upi))
            .await
            .is_err()
    {
        return back("upi");
    }
    let change = SettingsChange {
        large_amount: Some(large),
        ..SettingsChange::default()
    };
    match merchants::set_settings(db, merchant, change, panel.clock.as_ref()).await {
        Ok(_) => {}
        Err(BooksError::InvalidAmount(_)) => return back("amount"),
        Err(error) => return books_error(locale, error),
    }
    let saved = async {
        if upi.is_none() {
            merchants::set_upi_id(db, merchant, None).await?;
        }
        merchants::set_locale(db, merchant, language).await
    }
    .await;
    match saved {
        Ok(()) => {
            tracing::info!(%merchant, locale = language.as_str(), "panel: shop settings saved");
            back("saved")
        }
        Err(error) => books_error(locale, error),
    }
}

/// `POST /panel/settings/phones` (owner): registers a phone with a role.
pub(crate) async fn add_phone(
    State(panel): State<Panel>,
    signed: Signed,
    Form(form): Form<PhoneForm>,
) -> Response {
    if let Some(refused) = signed.refuse_form(&form.csrf) {
        return refused;
    }
    if !signed.is_owner() {
        return signed.owner_only();
    }
    let role = Role::parse(&form.role).unwrap_or(Role::Staff);
    let merchant = signed.session.merchant;
    match merchants::add_phone(
        signed.books.db(),
        merchant,
        &form.phone,
        role,
        panel.clock.as_ref(),
    )
    .await
    {
        Ok(added) => {
            tracing::info!(%merchant, role = added.role.as_str(), "panel: phone added");
            back("added")
        }
        Err(BooksError::InvalidPhone(_)) => back("phone"),
        Err(BooksError::PhoneTaken(_)) => back("taken"),
        Err(error) => books_error(signed.locale(), error),
    }
}

/// `POST /panel/settings/phones/remove` (owner): takes a phone off the shop; its sessions end
/// with it. The last owner phone stays.
pub(crate) async fn remove_phone(signed: Signed, Form(form): Form<PhoneForm>) -> Response {
    if let Some(refused) = signed.refuse_form(&form.csrf) {
        return refused;
    }
    if !signed.is_owner() {
        return signed.owner_only();
    }
    let Ok(phone) = Phone::parse(&form.phone) else {
        return back("phone");
    };
    let merchant = signed.session.merchant;
    match merchants::remove_phone(signed.books.db(), merchant, &phone).await {
        Ok(PhoneRemoval::Removed) => {
            tracing::info!(%merchant, "panel: phone removed");
            back("removed")
        }
        Ok(PhoneRemoval::LastOwner) => back("last-owner"),
        Ok(PhoneRemoval::NotFound) => layout::not_found(signed.locale()),
        Err(error) => books_error(signed.locale(), error),
    }
}

/// `POST /panel/settings/sessions/{id}/revoke`: ends one session of the shop — this phone's
/// own, or (the owner) a staff member's. Another shop's session is not found.
pub(crate) async fn revoke(
    State(panel): State<Panel>,
    signed: Signed,
    Path(id): Path<String>,
    Form(form): Form<TokenOnly>,
) -> Response {
    if let Some(refused) = signed.refuse_form(&form.csrf) {
        return refused;
    }
    let locale = signed.locale();
    let Ok(id) = id.parse::<i64>() else {
        return layout::not_found(locale);
    };
    let merchant = signed.session.merchant;
    let now = panel.clock.now();
    let db = signed.books.db();
    let target = match access::live_sessions(db, merchant, now).await {
        Ok(sessions) => sessions.into_iter().find(|s| s.id == id),
        Err(error) => {
            tracing::error!(%error, "panel sessions could not be listed");
            return layout::unavailable(locale);
        }
    };
    let Some(target) = target else {
        return layout::not_found(locale);
    };
    if !may_end(&signed, &target) {
        return signed.owner_only();
    }
    if let Err(error) = access::revoke_id(db, merchant, id, now).await {
        tracing::error!(%error, "panel session could not be ended");
        return layout::unavailable(locale);
    }
    tracing::info!(%merchant, session = id, by = signed.session.id, "panel: session ended");
    if id == signed.session.id {
        return logged_out(&panel);
    }
    back("revoked")
}

fn logged_out(panel: &Panel) -> Response {
    let mut response = Redirect::to(&format!("{BASE}/login")).into_response();
    response.headers_mut().append(
        axum::http::header::SET_COOKIE,
        set_cookie(panel, SESSION_COOKIE, "", BASE, 0),
    );
    response
}

/// `POST /panel/settings/sessions/everywhere`: ends every session of this phone in the shop,
/// this one included.
pub(crate) async fn everywhere(
    State(panel): State<Panel>,
    signed: Signed,
    Form(form): Form<TokenOnly>,
) -> Response {
    if let Some(refused) = signed.refuse_form(&form.csrf) {
        return refused;
    }
    let merchant = signed.session.merchant;
    match access::revoke_phone(
        signed.books.db(),
        merchant,
        &signed.session.phone,
        panel.clock.now(),
    )
    .await
    {
        Ok(ended) => {
            tracing::info!(%merchant, ended, "panel: logged out everywhere");
            logged_out(&panel)
        }
        Err(error) => {
            tracing::error!(%error, "panel sessions could not be ended");
            layout::unavailable(signed.locale())
        }
    }
}
