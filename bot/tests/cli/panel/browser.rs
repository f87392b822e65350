//! The panel in a real browser: headless Chromium driven through chromedriver (WebDriver) logs
//! in to the demo shop, records a payment, goes back and sends the form again (booked once), and
//! saves the screenshots in docs/screenshots/ that the README shows.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use execora_engine::demo;
use fantoccini::{Client, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use super::*;

const PHONE_WINDOW: (u32, u32) = (390, 844);
const DESKTOP_WINDOW: (u32, u32) = (1366, 900);

#[tokio::test]
async fn in_chromium_a_payment_is_recorded_once_despite_back_and_resend_and_pages_are_photographed()
{
    let clock = clock();
    let app = serve(Database::Sqlite, &clock).await;
    let (shop, _) = demo::seed(&app.db, clock.clone()).await.expect("demo shop");
    let books = books_of(&app, &clock, shop.id).await;
    let suresh = books
        .customers(50, 0)
        .await
        .expect("customers")
        .into_iter()
        .find(|c| c.name == "Suresh Patel")
        .expect("Suresh in the demo shop")
        .id;
    let owed = books.balance(suresh).await.expect("balance");
    let paid = Paise::from_rupees(200).expect("amount");
    assert!(owed > paid, "the demo leaves Suresh owing more than ₹200");
    let left = Paise::new(owed.as_i64() - paid.as_i64());

    let driver = Chromedriver::start().await;
    let browser = driver.session().await;
    browser
        .set_window_size(DESKTOP_WINDOW.0, DESKTOP_WINDOW.1)
        .await
        .expect("window size");

    // Log in: the phone, then the code the sandbox left in the outbox.
    browser
        .goto(&format!("{}/panel/login", app.base))
        .await
        .expect("login page");
    fill(&browser, "#phone", demo::DEMO_PHONE).await;
    submit(&browser, "form[action='/panel/login'] button[type=submit]").await;
    assert_path(&browser, "/panel/login/code").await;
    let code = last_code(&app, demo::DEMO_PHONE).await;
    fill(&browser, "#code", &code).await;
    submit(
        &browser,
        "form[action='/panel/login/code'] button[type=submit]",
    )
    .await;
    assert_path(&browser, "/panel").await;
    let dashboard = text(&browser).await;
    assert!(dashboard.contains("Sharma Kirana Store"), "{dashboard}");
    assert!(dashboard.contains("Kul baaki"), "{dashboard}");

    // A customer, from the list.
    browser
        .find(Locator::Css("nav a[href='/panel/customers']"))
        .await
        .expect("the customers link")
        .click()
        .await
        .expect("click");
    assert_path(&browser, "/panel/customers").await;
    browser
        .find(Locator::LinkText("Suresh Patel"))
        .await
        .expect("Suresh in the list")
        .click()
        .await
        .expect("click");
    let customer_path = format!("/panel/customers/{suresh}");
    assert_path(&browser, &customer_path).await;
    let page = text(&browser).await;
    assert!(page.contains(&format!("Baaki {owed}")), "{page}");

    // The payment, through the form.
    record_payment(&browser, "200").await;
    let url = browser.current_url().await.expect("url");
    assert_eq!(url.path(), customer_path);
    assert_eq!(url.query(), Some(&*format!("paid={}", paid.as_i64())));
    let page = text(&browser).await;
    assert!(
        page.contains(&format!("₹200 ka payment likh liya. Naya baaki: {left}.")),
        "{page}"
    );
    assert!(page.contains(&format!("Baaki {left}")), "{page}");
    assert_eq!(panel_payments(&app).await, 1);

    // The browser's back button to the form, and the same form sent again: the page the
    // browser shows is the one it had, with the key drawn for it, so nothing new is booked.
    browser.back().await.expect("back");
    assert_path(&browser, &customer_path).await;
    record_payment(&browser, "200").await;
    let url = browser.current_url().await.expect("url");
    assert_eq!(url.query(), Some("replayed=1"), "{url}");
    let page = text(&browser).await;
    assert!(page.contains("pehle hi likha ja chuka hai"), "{page}");
    assert!(page.contains(&format!("Baaki {left}")), "{page}");
    // Reloading what the POST led to reloads a GET page (the POST answered 303), not the POST.
    browser.refresh().await.expect("reload");
    assert!(text(&browser).await.contains(&format!("Baaki {left}")));
    assert_eq!(panel_payments(&app).await, 1, "booked once");
    assert_eq!(books.balance(suresh).await.expect("balance"), left);

    // Screenshots: the dashboard and this customer, phone-sized and desktop-sized.
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots");
    std::fs::create_dir_all(&shots).expect("docs/screenshots");
    for (size, window) in [("phone", PHONE_WINDOW), ("desktop", DESKTOP_WINDOW)] {
        browser
            .set_window_size(window.0, window.1)
            .await
            .expect("window size");
        for (page, path) in [
            ("dashboard", "/panel"),
            ("customer", customer_path.as_str()),
        ] {
            browser
                .goto(&format!("{}{path}", app.base))
                .await
                .expect("page");
            assert_path(&browser, path).await;
            let png = browser.screenshot().await.expect("screenshot");
            let (width, height) = png_size(&png);
            assert_eq!(width, window.0, "{page} {size}: the viewport is the window");
            assert!(height > 0 && height <= window.1, "{page} {size}: {height}");
            let file = shots.join(format!("{page}-{size}.png"));
            std::fs::write(&file, &png)
                .unwrap_or_else(|e| panic!("writing {}: {e}", file.display()));
        }
    }
    browser.close().await.expect("close the browser");
}

/// Fills the payment form on the page shown (amount, UPI) and sends it.
async fn record_payment(browser: &Client, rupees: &str) {
    let form = "form[action$='/payments']";
    let amount = browser
        .find(Locator::Css(&format!("{form} input[name=amount]")))
        .await
        .expect("the payment's amount field");
    amount.clear().await.expect("clear");
    amount.send_keys(rupees).await.expect("type the amount");
    browser
        .find(Locator::Css(&format!("{form} select[name=mode]")))
        .await
        .expect("the payment's mode")
        .select_by_value("upi")
        .await
        .expect("UPI");
    submit(browser, &format!("{form} button[type=submit]")).await;
}

async fn fill(browser: &Client, selector: &str, value: &str) {
    browser
        .find(Locator::Css(selector))
        .await
        .unwrap_or_else(|e| panic!("no {selector}: {e}"))
        .send_keys(value)
        .await
        .expect("type");
}

/// Clicks a submit button and waits until the answer has replaced the page.
async fn submit(browser: &Client, selector: &str) {
    let button = browser
        .find(Locator::Css(selector))
        .await
        .unwrap_or_else(|e| panic!("no {selector}: {e}"));
    let before = browser.current_url().await.expect("url");
    button.click().await.expect("click");
    for _ in 0..300 {
        if browser.current_url().await.expect("url") != before {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no new page within 30 s after clicking {selector}");
}

async fn assert_path(browser: &Client, path: &str) {
    let url = browser.current_url().await.expect("url");
    assert_eq!(url.path(), path, "{url}");
}

/// The page's visible text.
async fn text(browser: &Client) -> String {
    browser
        .find(Locator::Css("body"))
        .await
        .expect("body")
        .text()
        .await
        .expect("text")
}

async fn panel_payments(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM ledger_entries WHERE kind = 'payment' AND source = 'panel'",
    )
    .await
}

/// Width and height from a PNG's header.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    let word = |at: usize| u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
    (word(16), word(20))
}

/// A chromedriver process on a free port, ended when dropped.
struct Chromedriver {
    process: Child,
    url: String,
    chromium: PathBuf,
}

const INSTALL: &str = "the real-browser test needs Debian's chromium and chromium-driver: run .ci/run \
     (it installs them) or apt-get install --no-install-recommends chromium chromium-driver";

/// The first of `names` on PATH.
fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

impl Chromedriver {
    async fn start() -> Chromedriver {
        let chromium = on_path(&["chromium", "chromium-browser"])
            .unwrap_or_else(|| panic!("no chromium on PATH: {INSTALL}"));
        let driver = on_path(&["chromedriver"])
            .unwrap_or_else(|| panic!("no chromedriver on PATH: {INSTALL}"));
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let process = Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}; {INSTALL}", driver.display()));
        // Owned by the guard at once, so a failure below still ends the process.
        let driver = Chromedriver {
            process,
            url: format!("http://127.0.0.1:{port}"),
            chromium,
        };
        let probe = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(answer) = probe.get(format!("{}/status", driver.url)).send().await
                && answer.status().is_success()
            {
                return driver;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not answer on {} within 30 s", driver.url);
    }

    /// A new headless browser.
    async fn session(&self) -> Client {
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": self.chromium,
                "args": [
                    "--headless=new",
                    // Containers and CI often run as root, where Chromium's sandbox cannot start.
                    "--no-sandbox",
                    "--disable-dev-shm-usage",
                    "--disable-gpu",
                    "--hide-scrollbars",
                    "--force-device-scale-factor=1",
                    "--lang=en-IN",
                ],
            },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("an object literal")
        };
        Client::with_capabilities_and_connector(&self.url, &capabilities, HttpConnector::new())
            .await
            .unwrap_or_else(|e| panic!("a Chromium session through chromedriver: {e}; {INSTALL}"))
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}
