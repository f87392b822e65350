//! The conversations page: each peer's messages in and out, transcripts, what was booked, reply
//! buttons, pages of 50, and the voice note streamed to the owning shop's owner only.

use execora_engine::books::MerchantId;
use execora_engine::conversations;
use execora_engine::messages::{self, Delivery, MessageId, NewInbound, NewOutbound};
use execora_engine::money::PaymentMode;
use execora_engine::recordings::Recordings;
use execora_engine::time::{Clock, to_millis};

use super::*;

on_both_databases!(
    the_pipeline_keeps_what_it_understood_and_the_page_links_what_was_booked,
    a_conversation_shows_transcripts_bookings_buttons_and_plays_the_note,
    conversations_come_in_pages_newest_first,
    another_shops_conversation_and_recording_are_not_found_and_staff_are_refused,
);

const CUSTOMER_PHONE: &str = "919833333333";
const NOTE: &[u8] = b"OggS\x00\x02fake-opus-bytes-of-a-voice-note";

/// The service with voice notes listened to (so the panel opens the archive in `dir`).
async fn serve_with_archive(
    database: Database,
    clock: &Arc<ManualClock>,
    dir: &tempfile::TempDir,
) -> TestApp {
    spawn_app_with(
        database,
        Setup {
            clock: clock.clone(),
            env: vec![
                ("EXECORA_STT", "deepgram".into()),
                ("DEEPGRAM_API_KEY", "test-deepgram-key".into()),
                (
                    "EXECORA_RECORDINGS_URL",
                    dir.path().to_str().expect("utf-8").into(),
                ),
            ],
            ..Setup::default()
        },
    )
    .await
}

async fn inbound(
    app: &TestApp,
    merchant: MerchantId,
    channel_id: &str,
    peer: &str,
    kind: &str,
    body: &str,
    at: i64,
) -> MessageId {
    messages::record_inbound(
        &app.db,
        &NewInbound {
            merchant: Some(merchant),
            channel_id,
            peer,
            peer_user_id: None,
            kind,
            body,
            media_id: None,
            context_id: None,
            // Already handled: the service's worker leaves it alone.
            status: Delivery::Processed,
            at,
        },
    )
    .await
    .expect("inbound")
    .expect("stored")
}

async fn outbound(
    app: &TestApp,
    merchant: MerchantId,
    peer: &str,
    body: &str,
    reply_to: MessageId,
    options: Option<&str>,
    at: i64,
) -> MessageId {
    messages::record_outbound(
        &app.db,
        &NewOutbound {
            merchant: Some(merchant),
            peer,
            kind: "text",
            body,
            in_reply_to: Some(reply_to),
            options,
            status: Delivery::Sandbox,
            at,
        },
    )
    .await
    .expect("outbound")
}

/// A voice note from `peer`, transcribed and archived.
async fn voice_note(
    app: &TestApp,
    archive: &Recordings,
    merchant: MerchantId,
    channel_id: &str,
    peer: &str,
    words: &str,
    at: i64,
) -> MessageId {
    let id = inbound(app, merchant, channel_id, peer, "audio", "", at).await;
    messages::set_transcript(&app.db, id, words)
        .await
        .expect("transcript");
    archive
        .archive(&app.db, merchant, id, at, NOTE, "ogg", Some(words))
        .await
        .expect("archived");
    id
}

async fn a_conversation_shows_transcripts_bookings_buttons_and_plays_the_note(database: Database) {
    let clock = clock();
    let dir = tempfile::tempdir().expect("dir");
    let app = serve_with_archive(database, &clock, &dir).await;
    let archive = Recordings::from_url(dir.path().to_str().expect("utf-8"), None).expect("archive");
    let books = books_of(&app, &clock, app.merchant).await;
    let rahul = books
        .add_customer(NewCustomer {
            name: "Rahul <b>Verma</b>".into(),
            phone: Some(CUSTOMER_PHONE.into()),
            ..Default::default()
        })
        .await
        .expect("customer")
        .0
        .id;
    udhaar(&books, rahul, 900).await;
    let at = to_millis(clock.now());

    // A voice note that booked a payment under its message's key, as the dialog keys it.
    let note = voice_note(
        &app,
        &archive,
        app.merchant,
        "wamid.VOICE_1",
        MERCHANT_PHONE,
        "Rahul ne 500 diye",
        at,
    )
    .await;
    books
        .record_payment(
            rahul,
            Paise::from_rupees(500).expect("amount"),
            Some(PaymentMode::Cash),
            &Origin::keyed(Source::Whatsapp, "wamid.VOICE_1#0").by(MERCHANT_PHONE),
        )
        .await
        .expect("payment");
    outbound(
        &app,
        app.merchant,
        MERCHANT_PHONE,
        "Rahul se ₹500 mile. Baaki ₹400.",
        note,
        None,
        at + 1,
    )
    .await;
    // A question with its buttons, and a text that booked nothing.
    let question = inbound(
        &app,
        app.merchant,
        "wamid.TEXT_2",
        MERCHANT_PHONE,
        "text",
        "Mohan ko 300",
        at + 2,
    )
    .await;
    outbound(
        &app,
        app.merchant,
        MERCHANT_PHONE,
        "Mohan naya grahak hai. Banaun?",
        question,
        Some(r#"[{"id":"yes","title":"Haan"},{"id":"no","title":"Nahi"}]"#),
        at + 3,
    )
    .await;
    // A customer wrote in: kept in the shop's log.
    inbound(
        &app,
        app.merchant,
        "wamid.CUSTOMER_3",
        CUSTOMER_PHONE,
        "text",
        "<script>alert(1)</script> & kal dunga",
        at + 4,
    )
    .await;

    let mut owner = Browser::new(&app);
    owner.log_in(&app, MERCHANT_PHONE).await;
    let list = owner.get("/panel/conversations").await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_security_headers(&list);
    assert!(list.body.contains("Baatcheet"), "{}", list.body);
    assert!(
        list.body
            .contains(&format!("href=\"/panel/conversations/{MERCHANT_PHONE}\"")),
        "{}",
        list.body
    );
    assert!(
        list.body
            .contains("Rahul &lt;b&gt;Verma&lt;/b&gt; (919833333333)"),
        "the customer by name, escaped: {}",
        list.body
    );

    let own = owner
        .get(&format!("/panel/conversations/{MERCHANT_PHONE}"))
        .await;
    assert_eq!(own.status, 200, "{}", own.body);
    assert_security_headers(&own);
    let body = &own.body;
    assert!(
        body.contains("Voice note: “Rahul ne 500 diye”"),
        "the transcript: {body}"
    );
    assert!(
        body.contains(&format!("src=\"/panel/recordings/{}\"", note.0)),
        "a player for the note: {body}"
    );
    assert!(
        body.contains(&format!(
            "₹500 — <a href=\"/panel/customers/{rahul}\">Rahul &lt;b&gt;Verma&lt;/b&gt;</a>"
        )),
        "what the note booked, the customer a link: {body}"
    );
    assert!(
        body.contains("Kuch nahi likha"),
        "the question booked nothing: {body}"
    );
    assert!(body.contains("Button: [Haan] [Nahi]"), "{body}");
    // Newest first: the question's reply comes before the note.
    let question_at = body.find("Mohan naya grahak").expect("question");
    let note_at = body.find("Rahul ne 500 diye").expect("note");
    assert!(question_at < note_at, "newest first");

    let customer = owner
        .get(&format!("/panel/conversations/{CUSTOMER_PHONE}"))
        .await;
    assert_eq!(customer.status, 200);
    assert!(
        customer
            .body
            .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; kal dunga"),
        "{}",
        customer.body
    );
    assert_security_headers(&customer);

    let audio = owner.get(&format!("/panel/recordings/{}", note.0)).await;
    assert_eq!(audio.status, 200);
    assert_eq!(audio.headers["content-type"], "audio/ogg");
    let caching = audio.headers["cache-control"].to_str().expect("ascii");
    assert!(
        caching.contains("no-store") && caching.contains("private"),
        "{caching}"
    );
    assert_eq!(audio.body.as_bytes(), NOTE);

    // A message without a recording, and a number that is not a message, are not found.
    assert_eq!(
        owner
            .get(&format!("/panel/recordings/{}", question.0))
            .await
            .status,
        404
    );
    assert_eq!(owner.get("/panel/recordings/abc").await.status, 404);
    // Without a session: to the login, no audio.
    let mut stranger = Browser::new(&app);
    let refused = stranger.get(&format!("/panel/recordings/{}", note.0)).await;
    assert_eq!(refused.status, 303);
    assert_eq!(refused.location(), "/panel/login");
}

async fn conversations_come_in_pages_newest_first(database: Database) {
    let clock = clock();
    let app = serve(database, &clock).await;
    const PEER: &str = "919844444444";
    let at = to_millis(clock.now());
    for n in 0..55 {
        inbound(
            &app,
            app.merchant,
            &format!("wamid.PAGE_{n}"),
            PEER,
            "text",
            &format!("message number {n}."),
            at + n,
        )
        .await;
    }
    let mut owner = Browser::new(&app);
    owner.log_in(&app, MERCHANT_PHONE).await;
    let first = owner.get(&format!("/panel/conversations/{PEER}")).await;
    assert_eq!(first.status, 200);
    assert!(first.body.contains("message number 54."));
    assert!(first.body.contains("message number 5."));
    assert!(!first.body.contains("message number 4."));
    let marker = format!("href=\"/panel/conversations/{PEER}?before=");
    let start = first.body.find(&marker).expect("a link to older messages") + marker.len();
    let before: String = first.body[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let second = owner
        .get(&format!("/panel/conversations/{PEER}?before={before}"))
        .await;
    assert_eq!(second.status, 200);
    assert!(second.body.contains("message number 4."));
    assert!(second.body.contains("message number 0."));
    assert!(!second.body.contains("message number 5."));
    assert!(
        !second.body.contains(&marker),
        "the last page has no older link"
    );
}

async fn another_shops_conversation_and_recording_are_not_found_and_staff_are_refused(
    database: Database,
) {
    let clock = clock();
    let dir = tempfile::tempdir().expect("dir");
    let app = serve_with_archive(database, &clock, &dir).await;
    let archive = Recordings::from_url(dir.path().to_str().expect("utf-8"), None).expect("archive");
    const THEIRS: &str = "919811111111";
    const STAFF: &str = "919822222222";
    let other = books::merchants::create(
        &app.db,
        NewMerchant {
            name: "Sharma Stores".into(),
            owner_phone: THEIRS.into(),
            locale: Locale::En,
            timezone: None,
            upi_id: None,
        },
        &*clock,
    )
    .await
    .expect("other shop");
    books::merchants::add_phone(&app.db, app.merchant, STAFF, Role::Staff, &*clock)
        .await
        .expect("staff");
    let at = to_millis(clock.now());
    let their_note = voice_note(
        &app,
        &archive,
        other.id,
        "wamid.THEIR_NOTE",
        THEIRS,
        "Sharma secret words",
        at,
    )
    .await;
    let our_note = voice_note(
        &app,
        &archive,
        app.merchant,
        "wamid.OUR_NOTE",
        MERCHANT_PHONE,
        "Gupta words",
        at,
    )
    .await;

    let mut owner = Browser::new(&app);
    owner.log_in(&app, MERCHANT_PHONE).await;
    let theirs = owner.get(&format!("/panel/conversations/{THEIRS}")).await;
    assert_eq!(theirs.status, 404);
    assert!(!theirs.body.contains("Sharma secret"));
    let nobody = owner.get("/panel/conversations/919800000000").await;
    assert_eq!((nobody.status, &nobody.body), (404, &theirs.body));
    let audio = owner
        .get(&format!("/panel/recordings/{}", their_note.0))
        .await;
    assert_eq!(audio.status, 404);
    assert!(
        audio.headers["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    assert_ne!(audio.body.as_bytes(), NOTE);
    let list = owner.get("/panel/conversations").await;
    assert!(!list.body.contains(THEIRS), "{}", list.body);

    // Their own owner hears it; ours is not theirs.
    let mut sharma = Browser::new(&app);
    sharma.log_in(&app, THEIRS).await;
    assert_eq!(
        sharma
            .get(&format!("/panel/recordings/{}", their_note.0))
            .await
            .status,
        200
    );
    assert_eq!(
        sharma
            .get(&format!("/panel/recordings/{}", our_note.0))
            .await
            .status,
        404
    );

    // The shop's log is the owner's: staff get "only the owner", and no menu entry.
    let mut staff = Browser::new(&app);
    staff.log_in(&app, STAFF).await;
    for path in [
        "/panel/conversations".to_string(),
        format!("/panel/conversations/{MERCHANT_PHONE}"),
        format!("/panel/recordings/{}", our_note.0),
    ] {
        let page = staff.get(&path).await;
        assert_eq!(page.status, 403, "{path}");
        assert!(!page.body.contains("Gupta words"));
    }
    let customers = staff.get("/panel/customers").await;
    assert!(!customers.body.contains("href=\"/panel/conversations\""));
}

async fn the_pipeline_keeps_what_it_understood_and_the_page_links_what_was_booked(
    database: Database,
) {
    use execora_engine::dialog::Input;
    use execora_engine::pipeline::{Message, Pipeline};
    let clock = clock();
    let dir = tempfile::tempdir().expect("dir");
    let app = serve_with_archive(database, &clock, &dir).await;
    let archive = Recordings::from_url(dir.path().to_str().expect("utf-8"), None).expect("archive");
    let books = books_of(&app, &clock, app.merchant).await;
    let rahul = customer(&books, "Rahul").await;
    udhaar(&books, rahul, 900).await;
    let at = to_millis(clock.now());

    // A voice note, handled as the inbound worker handles one: its words through the pipeline.
    let words = "Rahul ko 300 udhaar likho";
    voice_note(
        &app,
        &archive,
        app.merchant,
        "wamid.VOICE_9",
        MERCHANT_PHONE,
        words,
        at,
    )
    .await;
    let pipeline = Pipeline::new(app.db.clone(), clock.clone(), None);
    let handled = pipeline
        .handle(&Message {
            merchant: app.merchant,
            sender: MERCHANT_PHONE.into(),
            id: "wamid.VOICE_9".into(),
            source: Source::Whatsapp,
            input: Input::Text(words.into()),
        })
        .await
        .expect("handled");
    assert!(!handled.reply.text.is_empty());
    assert_eq!(
        books.customer(rahul).await.expect("rahul").balance,
        Paise::from_rupees(1_200).expect("amount"),
        "booked: {}",
        handled.reply.text
    );
    let kept: Option<String> =
        sqlx::query_scalar("SELECT understood FROM messages WHERE wa_message_id = 'wamid.VOICE_9'")
            .fetch_one(app.db.pool())
            .await
            .expect("message");
    let kept = kept.expect("the reading is kept on the message");
    let reading: conversations::Reading = serde_json::from_str(&kept).expect("json");
    assert_eq!(reading.commands.len(), 1, "{kept}");
    assert_eq!(reading.commands[0].intent(), "add_credit");
    assert_eq!(reading.commands[0].customer(), Some("Rahul"));
    assert_eq!(
        reading.commands[0].amount(),
        Some(Paise::from_rupees(300).expect("amount"))
    );

    // A text that issued a bill under its key; a customer's message, which nobody reads.
    let atta = super::bookkeeping::atta(&books, 10, 2).await;
    inbound(
        &app,
        app.merchant,
        "wamid.BILL_1",
        MERCHANT_PHONE,
        "text",
        "Rahul ko 2 kg atta",
        at + 1,
    )
    .await;
    let bill = super::bookkeeping::bill(
        &books,
        Some(rahul),
        atta.id,
        &Origin::keyed(Source::Whatsapp, "wamid.BILL_1#0").by(MERCHANT_PHONE),
    )
    .await;
    inbound(
        &app,
        app.merchant,
        "wamid.CUSTOMER_9",
        CUSTOMER_PHONE,
        "text",
        "Rahul ko 300 udhaar likho",
        at + 2,
    )
    .await;

    let mut owner = Browser::new(&app);
    owner.log_in(&app, MERCHANT_PHONE).await;
    let page = owner
        .get(&format!("/panel/conversations/{MERCHANT_PHONE}"))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_security_headers(&page);
    for shown in [
        words,
        "Samjha gaya:",
        "Udhaar · Rahul · ₹300",
        &format!("href=\"/panel/customers/{rahul}\""),
        &format!("href=\"/panel/bills/{}\"", bill.id),
        &format!("bill #{}", bill.number),
    ] {
        assert!(page.body.contains(shown), "{shown}: {}", page.body);
    }
    assert_eq!(
        page.body.matches("Samjha gaya:").count(),
        1,
        "only the message the pipeline read"
    );
    let theirs = owner
        .get(&format!("/panel/conversations/{CUSTOMER_PHONE}"))
        .await;
    assert!(!theirs.body.contains("Samjha gaya:"));

    // Read again (a retried job): one reading, the last.
    pipeline
        .handle(&Message {
            merchant: app.merchant,
            sender: MERCHANT_PHONE.into(),
            id: "wamid.VOICE_9".into(),
            source: Source::Whatsapp,
            input: Input::Text(words.into()),
        })
        .await
        .expect("handled again");
    assert_eq!(
        books.customer(rahul).await.expect("rahul").balance,
        Paise::from_rupees(1_200 + 80).expect("amount"),
        "booked once (and the bill's ₹80)"
    );
}
