//! The words merchants use, by role: what each known spelling (Roman, Devanagari, English) means.

use crate::money::PaymentMode;
use crate::quantity::Unit;

/// Relative day words; `kal` is kept apart because its direction depends on tense.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Day {
    Today,
    Kal,
    Tomorrow,
    Yesterday,
    Parso,
}

/// The role a word plays. Anything unlisted is a `Name` (customer or product words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Word {
    Name,
    Number,
    Sep,
    Marker,
    Honorific,
    /// "uska", "usne": someone named earlier in the conversation, which the rules cannot know.
    Pronoun,
    Filler,
    Aux,
    Undo,
    Help,
    HelpCue,
    Cancel,
    Reminder,
    Send,
    Bill,
    Show,
    Make,
    Stock,
    Left,
    Arrive,
    New,
    Customer,
    Product,
    Sale,
    Hisaab,
    Balance,
    Question,
    Credit,
    Ledger,
    Pay,
    Take,
    Write,
    Mode(PaymentMode),
    Currency,
    Unit(Unit),
    Per,
    Price,
    Phone,
    All,
    Last,
    Day(Day),
    Weekday(u32),
    PartOfDay(u32),
    Baje,
    AmPm(bool),
    Tarikh,
    Hour,
    Minute,
    After,
    Next,
    Week,
    Month,
    /// "din", "days": a count of days ("3 din baad", "in 4 days", "day after tomorrow").
    DaySpan,
    /// A month by name, 1 = January ("15 December", "December 15").
    MonthName(u32),
    Greeting,
}

/// The role of a normalised key (see `tokens::normalise`). Number words are `Word::Number`.
pub fn classify(key: &str) -> Word {
    if super::numbers::number_word(key).is_some() {
        return Word::Number;
    }
    exact(key)
        .or_else(|| everyday(key))
        .or_else(|| super::guard::doubt_role(key))
        .unwrap_or_else(|| fuzzy(key).unwrap_or(Word::Name))
}

fn exact(key: &str) -> Option<Word> {
    use PaymentMode as M;
    let word = match key {
        "aur" | "or" | "and" | "और" | "फिर" | "phir" | "fir" | "then" | "also" | "tatha"
        | "तथा" => Word::Sep,
        "ko" | "ne" | "ka" | "ki" | "ke" | "kaa" | "kee" | "se" | "me" | "mein" | "mei" | "mai"
        | "mien" | "main" | "pe" | "par" | "liye" | "lie" | "naam" | "wala" | "wale" | "wali"
        | "vala" | "vale" | "of" | "for" | "from" | "by" | "via" | "on" | "at" | "about"
        | "the" | "a" | "an" | "in" | "into" | "with" | "is" | "are" | "was" | "were" | "does"
        | "did" | "has" | "have" | "my" | "apna" | "apne" | "apni" | "अपना" | "अपने" | "अपनी" | "को" | "ने" | "का" | "की" | "के" | "से" | "में"
        | "मे" | "पे" | "पर" | "लिए" | "लिये" | "नाम" | "वाला" | "वाले" | "वाली" => {
            Word::Marker
        }
        // English prepositions and "name" in "against Krishnan's name".
        "through" | "thru" | "using" | "against" | "name" | "towards" | "worth" | "upar"
        | "ऊपर" | "कि" => Word::Marker,
        "usne"
        | "isne"
        | "unhone"
        | "inhone"
        | "uska"
        | "uski"
        | "uske"
        | "iska"
        | "iski"
        | "iske"
        | "unka"
        | "unki"
        | "unke"
        | "usko"
        | "isko"
        | "unko"
        | "inko"
        | "ise"
        | "usse"
        | "isse"
        | "unse"
        | "him"
        | "her"
        | "his"
        | "their"
        | "them"
        | "उसने"
        | "इसने"
        | "उन्होंने"
        | "उसका"
        | "उसकी"
        | "उसके"
        | "इसका"
        | "इसकी"
        | "इसके"
        | "उनका"
        | "उनके"
        | "उनकी"
        | "उसको"
        | "इसको"
        | "उसे"
        | "इसे"
        | "उन्हें"
        | "इन्हें"
        | "उससे" => Word::Pronoun,
        "ji"
        | "jee"
        | "jii"
        | "bhai"
        | "bhaiya"
        | "bhaiyya"
        | "bhaiyaa"
        | "bhaisahab"
        | "sahab"
        | "saheb"
        | "sahib"
        | "saab"
        | "sir"
        | "madam"
        | "mam"
        | "maam"
        | "didi"
        | "behen"
        | "bhabhi"
        | "aunty"
        | "auntie"
        | "uncle"
        | "chacha"
        | "chachi"
        | "seth"
        | "shri"
        | "shree"
        | "mr"
        | "mrs"
        | "ms"
        | "smt"
        | "जी"
        | "भाई"
        | "भैया"
        | "भइया"
        | "साहब"
        | "साहेब"
        | "दीदी"
        | "बहन"
        | "भाभी"
        | "आंटी"
        | "अंकल"
        | "सेठ"
        | "श्री"
        | "श्रीमती"
        | "मैडम"
        | "सर" => Word::Honorific,
        "haan" | "han" | "haa" | "ha" | "haanji" | "hanji" | "achha" | "acha" | "accha"
        | "acchha" | "achchha" | "umm" | "um" | "ummm" | "hmm" | "hm" | "uh" | "uhh" | "ok"
        | "okay" | "okk" | "theek" | "thik" | "theekh" | "to" | "toh" | "please" | "pls"
        | "plz" | "plzz" | "yaar" | "yar" | "arre" | "arey" | "bas" | "zara" | "jara" | "abhi"
        | "bhi" | "just" | "kindly" | "app" | "mujhe" | "muje" | "hame" | "humein" | "ऐप"
        | "मुझे" | "ye" | "yeh" | "woh" | "wo" | "vo" | "matlab" | "sun" | "suno" | "listen"
        | "so" | "well" | "actually" | "basically" | "alright" | "allright" | "hello"
        | "hi" | "bhaiji" | "हां" | "अच्छा" | "ठीक"
        | "तो" | "जरा" | "भी" | "बस" | "प्लीज" | "यार" | "अरे" | "ये" | "यह" | "वो" | "वह" | "सुनो"
        | "हेलो" | "ओके" => Word::Filler,
        // A share said in words ("15 percent advance"); see `Clause::not_money`.
        "percent" | "pratishat" | "प्रतिशत" => Word::Filler,
        // Replies to the bot that open a command: "fine. Make a bill for Sharma", "sure, …".
        "fine" | "sure" | "cool" | "great" | "perfect" | "awesome" | "happily" | "gladly"
        | "luckily" | "thankfully" | "rest" => Word::Filler,
        // "same as kal", "kal jaisa hi bill", "वैसा ही बिल": what they point at is in a message
        // the parser never sees, like a pronoun's.
        "same" | "jaisa" | "jaise" | "jaisi" | "vaisa" | "vaise" | "vaisi" | "waisa" | "waise"
        | "waisi" | "जैसा" | "जैसे" | "जैसी" | "वैसा" | "वैसे" | "वैसी" => Word::Pronoun,
        "us" | "ab" | "अब" | "अभी" | "shop" | "store" | "dukan" | "dukaan" | "दुकान" | "yes" | "yeah"
        | "yep" | "kripya" | "kripaya" | "कृपया" | "anymore" | "any" | "more" => {
            Word::Filler
        }
        "namaste" | "namaskar" | "नमस्ते" | "नमस्कार" | "suprabhat" | "सुप्रभात" | "pranam"
        | "pranaam" | "प्रणाम" | "salaam" | "adaab" | "सलाम" | "आदाब" | "forwarded"
        | "fwd" => Word::Greeting,
        "hai" | "hain" | "h" | "hei" | "he" | "hy" | "tha" | "thi" | "hua" | "hui" | "hue"
        | "huye" | "huya" | "ho" | "hoga" | "hogi" | "gaya" | "gayi" | "gaye" | "gai" | "gya"
        | "gyi" | "gye" | "karo" | "kar" | "karna" | "karke" | "kardo" | "kijiye" | "kariye"
        | "karein" | "karen" | "karte" | "krte" | "karu" | "karun" | "karta" | "krdo" | "kro"
        | "kr" | "karde" | "dena" | "dijiye" | "dijie" | "lo" | "lena" | "le" | "lijiye"
        | "rakho" | "rakh" | "hona" | "chahiye" | "chaiye" | "want" | "need" | "can" | "you"
        | "will" | "would" | "should" | "i" | "we" | "it" | "this" | "that" | "be" | "been"
        | "है" | "हैं" | "था" | "थी" | "थे" | "हुआ" | "हुई" | "हुए" | "हो" | "होगा" | "गया" | "गई"
        | "गए" | "गये" | "करो" | "कर" | "करना" | "करें" | "कीजिए" | "देना" | "दीजिए" | "लो" | "लेना"
        | "रखो" | "चाहिए" => Word::Aux,
        // "made a payment", "kitna baaki nikalta/banta hai".
        "advance" | "purana" | "puraana" | "purane" | "पुराना" | "पुराने" | "badha" | "badhao"
        | "बढा" | "बढाओ" | "ले" | "nikal" | "nikalo" | "nikaal" | "nikaalo" | "nikaldo"
        | "निकाल" | "निकालो" | "made" | "collect" | "recover" | "nikalta" | "nikalte"
        | "nikalti" | "banta" | "bante" | "banti" | "निकलता" | "निकलते" | "बनता" | "बनते" => {
            Word::Aux
        }
        "undo" | "galti" | "galati" | "galat" | "wapas" | "waapas" | "vapas" | "vaapas"
        | "mistake" | "wrong" | "revert" | "entry" | "गलती" | "गलत" | "वापस" | "एंट्री" => {
            Word::Undo
        }
        "help" | "madad" | "madat" | "sahayata" | "sahayta" | "मदद" | "सहायता" | "हेल्प" => {
            Word::Help
        }
        "kaise" | "kese" | "kaisay" | "sakte" | "sakta" | "sakti" | "chalate" | "chalaye"
        | "chalau" | "use" | "istemal" | "features" | "कैसे" | "सकते" | "सकता" | "चलाते" | "चलाएं" => {
            Word::HelpCue
        }
        "cancel" | "cancle" | "cancell" | "kancel" | "radd" | "rad" | "hata" | "hatao"
        | "hatado" | "hataao" | "mat" | "band" | "delete" | "remove" | "stop" | "nahi"
        | "nahin" | "mitao" | "रद्द" | "कैंसल" | "कैंसिल" | "हटा" | "हटाओ" | "मत" | "बंद" | "डिलीट" => {
            Word::Cancel
        }
        "reminder"
        | "reminders"
        | "remind"
        | "reminde"
        | "reminer"
        | "yaad"
        | "yad"
        | "dila"
        | "dilana"
        | "dilao"
        | "dilado"
        | "dilaana"
        | "alert"
        | "रिमाइंडर"
        | "रिमाईंडर"
        | "याद"
        | "दिला"
        | "दिलाना"
        | "दिलाओ" => Word::Reminder,
        // Money and safety (nlu-safe): the verb's other forms ("stop reminding Rahul").
        "reminding" | "tagada" | "tagaada" | "तगादा" => {
            Word::Reminder
        }
        "money" | "amount" | "amt" | "rakam" | "रकम" => Word::Currency,
        // "he had taken on credit": the English past perfect's helper, never a name; "pending
        // overall", "in the khata since Tuesday": adverbs, never names.
        "had" => Word::Aux,
        "overall" | "altogether" | "since" => Word::Filler,
        // "handed over 1,000 at the counter", "his first payment", "khate se kam karo" (take it
        // off the khata): never names.
        "counter" | "first" | "kam" => Word::Filler,
        "yet" => Word::Aux,
        "handed" => Word::Pay,
        "mark" => Word::Write,
        "as" => Word::Marker,
        "owing" => Word::Balance,
        "aana" | "aane" | "aani" | "आना" | "आने" => Word::Aux,
        "market" | "bazaar" | "bazar" | "बाजार" => Word::All,
        "over" | "reh" | "rehta" | "rehte" | "रह" | "anything" | "something" | "tak" | "तक" => {
            Word::Aux
        }
        "bta" | "btado" | "bolo" | "boliye" | "बोलो" | "बोलिए" => Word::Question,
        "lenden" | "len-den" | "statement" | "लेनदेन" => Word::Hisaab,
        "ledger" | "खाताबही" => Word::Ledger,
        "who" | "whom" | "kis" | "किस" | "kisne" | "kisko" | "kiska" | "kiske" | "kiski" | "kinhone"
        | "kinka" | "किसने" | "किसको" | "किसका" | "किसके" | "किसकी" => Word::Question,
        "milake" | "milakar" | "milaake" | "milaakar" | "मिलाके" | "मिलाकर" | "still" => Word::Aux,
        "owed" | "receivable" | "receivables" => Word::Balance,
        "remains" | "remain" => Word::Left,
        // "current stock of Maggi", "stock position for dal", "stock level": how it stands now.
        "current" | "currently" | "position" | "status" | "level" | "levels" => Word::Filler,
        // "write down", "note down"; adverbs around an amount that leave it as said: "500 only",
        // "exactly 500", "finally paid", "paid 500 again", "another 500", "the whole 500".
        "she" => Word::Aux,
        "down" | "only" | "exactly" | "sharp" | "finally" | "too" | "again" | "another"
        | "whole" | "entire" | "fully" => Word::Filler,
        "bucks" => Word::Currency,
        "now" | "full" | "upfront" | "net" | "sold" => Word::Aux,
        "banking" | "netbanking" => Word::Mode(PaymentMode::Bank),
        "repaid" => Word::Pay,
        "dr" | "doctor" | "prof" => Word::Honorific,
        "unsubscribe" | "off" => Word::Cancel,
        "turn" | "zarurat" | "zaroorat" | "jarurat" | "jaroorat" | "जरूरत" => Word::Aux,
        "dihani" | "dehani" => Word::Reminder,
        "bhejo" | "bhejna" | "bhejdo" | "bhej" | "bhejiye" | "send" | "lagao" | "laga" | "set"
        | "भेजो" | "भेजना" | "भेज" | "भेजिए" | "लगाओ" => {
            Word::Send
        }
        "bill" | "bills" | "bil" | "invoice" | "invoices" | "parchi" | "receipt" | "challan"
        | "बिल" | "इनवॉइस" | "इनवॉयस" | "पर्ची" => {
            Word::Bill
        }
        "dikhao" | "dikha" | "dikhaao" | "dikhana" | "dikhado" | "dikhaiye" | "show" | "list"
        | "dekhna" | "dekhao" | "दिखाओ" | "दिखा" | "दिखाना" | "दिखाइए" => {
            Word::Show
        }
        "banao" | "bana" | "banado" | "banana" | "banaiye" | "bnao" | "bna" | "make" | "create"
        | "generate" | "kaato" | "kato" | "kaat" | "काटो" | "बनाओ" | "बना" | "बनाना" | "बनाइए" => {
            Word::Make
        }
        "stock" | "stok" | "inventory" | "स्टॉक" | "स्टाक" => Word::Stock,
        "bacha" | "bache" | "bachi" | "bachaa" | "left" | "remaining" | "बचा" | "बचे" | "बची" => {
            Word::Left
        }
        "aaya" | "aaye" | "aayi" | "aai" | "aya" | "aye" | "ayi" | "aa" | "aagaya" | "aagaye"
        | "received" | "receive" | "recd" | "rcvd" | "recvd" | "arrived" | "came" | "got" | "collected" | "mila" | "mile"
        | "mili" | "wasool" | "vasool" | "wasul" | "vasul" | "वसूल" | "mil" | "milgaye" | "milgaya" | "मिल" | "आया" | "आए" | "आये" | "आई" | "आ"
        | "मिला" | "मिले" | "मिली" => Word::Arrive,
        "naya" | "nayi" | "naye" | "nya" | "new" | "add" | "jodo" | "jod" | "jodna" | "jodiye"
        | "jodd" | "save" | "सेव" | "नया" | "नई" | "नए" | "नये" | "जोडो" | "जोड" | "जोडना" | "ऐड" => {
            Word::New
        }
        "customer"
        | "customers"
        | "grahak"
        | "graahak"
        | "grahk"
        | "grahakon"
        | "ग्राहक"
        | "ग्राहकों"
        | "कस्टमर" => Word::Customer,
        "item"
        | "items"
        | "product"
        | "products"
        | "saman"
        | "samaan"
        | "saamaan"
        | "saaman"
        | "samaann"
        | "cheez"
        | "aaitem"
        | "maal"
        | "goods"
        | "माल"
        | "आइटम"
        | "सामान"
        | "प्रोडक्ट"
        | "चीज" => Word::Product,
        "sale" | "sales" | "bikri" | "bikree" | "becha" | "summary" | "kamai" | "kamaai"
        | "collection" | "business" | "dhandha" | "dhanda" | "dhandhaa" | "dhandaa" | "galla" | "bika" | "biki" | "bike" | "beche"
        | "बिका" | "बिकी" | "बिक्री" | "सेल" | "समरी" | "कमाई" | "धंधा" => {
            Word::Sale
        }
        "hisaab" | "hisab" | "hissab" | "हिसाब" => Word::Hisaab,
        "balance"
        | "blance"
        | "balence"
        | "bal"
        | "baki"
        | "baaki"
        | "bakaya"
        | "bakaaya"
        | "owe"
        | "owes"
        | "due"
        | "dues"
        | "outstanding"
        | "pending"
        | "बाकी"
        | "बकाया"
        | "बैलेंस"
        | "बैलन्स"
        | "पेंडिंग"
        // "kitna paisa bahar hai", "market mein kitna phasa hai": money out with customers.
        | "phasa"
        | "phanse"
        | "phansa"
        | "fasa"
        | "fansa"
        | "atka"
        | "atke"
        | "atki"
        | "फंसा"
        | "फंसे"
        | "फसा"
        | "फसे"
        | "अटका"
        | "अटके"
        | "bahar"
        | "baahar"
        | "बाहर" => Word::Balance,
        "kitna" | "kitne" | "kitni" | "kitnaa" | "ktna" | "how" | "much" | "many" | "kya"
        | "kyaa" | "what" | "batao" | "bata" | "bataao" | "bataiye" | "btao" | "check"
        | "dekho" | "tell" | "kaun" | "kab" | "kahan" | "कितना" | "कितने" | "कितनी" | "क्या"
        | "बताओ" | "बता" | "बताइए" | "बताएं" | "बताइये" | "बतायें" | "चेक" | "देखो" => {
            Word::Question
        }
        "udhaar"
        | "udhar"
        | "udhaari"
        | "udhari"
        | "udaar"
        | "credit"
        // "Rahul borrowed 500": credit the customer took ("I borrowed 500 from Rahul" is the
        // merchant's, which the credit reading asks about).
        | "borrowed"
        | "loan"
        | "उधार"
        | "उधारी"
        | "क्रेडिट" => Word::Credit,
        "khata" | "khate" | "khaate" | "khaata" | "khatey" | "tab" | "खाता" | "खाते" => {
            Word::Ledger
        }
        "diye"
        | "diya"
        | "dia"
        | "diyea"
        | "die"
        | "de"
        | "jama"
        | "jma"
        | "jamaa"
        | "bhugtan"
        | "भुगतान"
        | "give"
        | "pays"
        | "paying"
        | "deposited"
        | "cleared"
        | "settled"
        | "paid"
        | "pay"
        | "payment"
        | "payments"
        | "bheje"
        | "bheja"
        | "kiya"
        | "kiye"
        | "kia"
        | "kie"
        | "karaye"
        | "karaya"
        | "karwaye"
        | "karwaya"
        | "karae"
        | "daale"
        | "dale"
        | "daala"
        | "dala"
        | "कराए"
        | "कराया"
        | "करवाए"
        | "डाले"
        | "डाला"
        | "chukaya"
        | "chukaye"
        | "chukta"
        // "पिछला उधार चुकाते हुए 400 दिए", "udhaar chukane ke liye": paying a debt off.
        | "chukate"
        | "chukaate"
        | "chukane"
        | "चुकाते"
        | "चुकाने"
        // "Firoz brought back the 350", "Rahul brought 500".
        | "brought"
        | "lautaye"
        | "lautaya"
        // "300 lauta diye": gave back (who to is the guard's to tell).
        | "lauta"
        | "lautaa"
        | "लौटा"
        | "returned"
        | "gave"
        | "given"
        | "sent"
        | "transfer"
        | "transferred"
        | "deposit"
        | "दिए"
        | "दिये"
        | "दिया"
        | "दी"
        | "दे"
        | "भेजे"
        | "भेजा"
        | "जमा"
        | "चुकाए"
        | "चुकाया"
        | "किया"
        | "किए"
        | "किये"
        | "पेमेंट"
        | "ट्रांसफर"
        | "लौटाए" => Word::Pay,
        "liya" | "lia" | "li" | "took" | "taken" | "bought" | "purchased" | "kharida"
        | "kharide" | "खरीदा" | "खरीदे" | "लिया" | "ली" => {
            Word::Take
        }
        "likho" | "likh" | "likhna" | "likhdo" | "likhiye" | "likhe" | "daal" | "daalo"
        | "dalo" | "daaldo" | "chadhao" | "chadha" | "note" | "write" | "put" | "enter"
        | "record" | "लिखो" | "लिख" | "लिखना" | "डालो" | "डाल" | "चढाओ" | "चढा" | "चढाना" => {
            Word::Write
        }
        "cash" | "nakad" | "nagad" | "nakd" | "naqad" | "kash" | "कैश" | "नकद" | "नगद" => {
            Word::Mode(M::Cash)
        }
        // "paid by scan": the shop's QR; "swipe": a card machine.
        "scan" | "scanned" | "स्कैन" | "google-pay" | "g-pay" | "wallet" => Word::Mode(M::Upi),
        "swipe" | "swiped" | "स्वाइप" => Word::Mode(M::Card),
        "upi" | "gpay" | "googlepay" | "google" | "phonepe" | "phonpe" | "paytm" | "online"
        | "qr" | "bhim" | "yupi" | "यूपीआई" | "गूगल" | "फोनपे" | "पेटीएम" | "ऑनलाइन" | "ओनलाइन" => {
            Word::Mode(M::Upi)
        }
        "card" | "debit" | "कार्ड" => Word::Mode(M::Card),
        "bank"
        | "neft"
        | "imps"
        | "rtgs"
        | "account"
        | "बैंक"
        | "अकाउंट"
        | "एनईएफटी"
        | "नेफ्ट"
        | "आईएमपीएस"
        | "आरटीजीएस" => Word::Mode(M::Bank),
        "cheque" | "chek" | "चैक" => Word::Mode(M::Cheque),
        "₹" | "rs" | "rupaye" | "rupay" | "rupaiye" | "rupaya" | "rupiya" | "rupiye" | "rupees"
        | "rupee" | "rupe" | "rupye" | "rupya" | "ruppe" | "ruppee" | "ruppees" | "inr"
        | "paise" | "paisa" | "paisay" | "rupaiya" | "रुपये" | "रुपए" | "रूपये" | "रुपया" | "रु"
        | "पैसे" | "पैसा" => Word::Currency,
        "kg" | "kgs" | "kilo" | "kilos" | "kilogram" | "kilograms" | "kelo" | "किलो" | "केजी" => {
            Word::Unit(Unit::Kg)
        }
        "g" | "gm" | "gms" | "gram" | "grams" | "gr" | "grm" | "ग्राम" => {
            Word::Unit(Unit::G)
        }
        "l" | "ltr" | "ltrs" | "litre" | "litres" | "liter" | "liters" | "leter" | "lit"
        | "लीटर" | "लिटर" => Word::Unit(Unit::Litre),
        "ml" | "mls" | "millilitre" | "milliliter" | "एमएल" => Word::Unit(Unit::Ml),
        "packet" | "packets" | "pkt" | "pkts" | "pack" | "packs" | "paket" | "packit" | "pouch"
        | "पैकेट" | "पैकिट" | "पाकेट" => Word::Unit(Unit::Packet),
        "dozen" | "dozens" | "darjan" | "darjen" | "dazan" | "dajan" | "dzn" | "दर्जन" => {
            Word::Unit(Unit::Dozen)
        }
        "piece" | "pieces" | "pc" | "pcs" | "peace" | "nag" | "pis" | "पीस" | "नग" => {
            Word::Unit(Unit::Piece)
        }
        "box" | "boxes" | "dabba" | "dibba" | "dabbe" | "carton" | "cartons" | "peti" | "डिब्बा"
        | "डिब्बे" | "बॉक्स" | "पेटी" => Word::Unit(Unit::Box),
        "bottle" | "bottles" | "botal" | "botel" | "bottal" | "बोतल" => {
            Word::Unit(Unit::Bottle)
        }
        "per" | "prati" | "प्रति" | "har" => Word::Per,
        "price" | "rate" | "daam" | "dam" | "keemat" | "kimat" | "mrp" | "cost" | "दाम"
        | "कीमत" | "रेट" => Word::Price,
        "number" | "no" | "num" | "mobile" | "phone" | "contact" | "mob" | "ph" | "नंबर"
        | "मोबाइल" | "फोन" => Word::Phone,
        "sab" | "sabka" | "sabke" | "sabki" | "saare" | "sare" | "saara" | "sara" | "sabhi"
        | "all" | "total" | "everyone" | "everybody" | "kul" | "सब" | "सबका" | "सबके" | "सारे"
        | "सारा" | "सभी" | "कुल" | "टोटल" => Word::All,
        "poore" | "poora" | "pura" | "sabse" | "logon" | "log" | "logo" | "पूरे" | "पूरा" | "सबसे"
        | "लोगों" | "लोग" => Word::All,
        "last" | "pichla" | "pichhla" | "pichle" | "pichhle" | "aakhri" | "akhri" | "previous"
        | "latest" | "recent" | "pichli" | "pichhli" | "पिछली" | "पिछला" | "पिछले" | "आखिरी"
        | "लास्ट" => Word::Last,
        "aaj" | "aj" | "today" | "tonight" | "tonite" | "आज" => Word::Day(Day::Today),
        "kal" | "kl" | "कल" => Word::Day(Day::Kal),
        "tomorrow" | "tmrw" | "tomorow" => Word::Day(Day::Tomorrow),
        "yesterday" | "yday" => Word::Day(Day::Yesterday),
        "parso" | "parson" | "parsoon" | "parsho" | "परसों" | "परसो" => {
            Word::Day(Day::Parso)
        }
        "monday" | "somvar" | "somwar" | "somvaar" | "somwaar" | "सोमवार" => Word::Weekday(0),
        "tuesday" | "mangalvar" | "mangalwar" | "mangalvaar" | "mangalwaar" | "मंगलवार" => Word::Weekday(1),
        "wednesday" | "budhvar" | "budhwar" | "budhvaar" | "budhwaar" | "बुधवार" => {
            Word::Weekday(2)
        }
        "thursday" | "guruvar" | "guruwar" | "guruvaar" | "guruwaar" | "brihaspativar" | "गुरुवार" | "बृहस्पतिवार" => {
            Word::Weekday(3)
        }
        "friday" | "shukravar" | "shukrawar" | "shukravaar" | "shukrawaar" | "शुक्रवार" => Word::Weekday(4),
        "saturday" | "shanivar" | "shaniwar" | "shanivaar" | "shaniwaar" | "शनिवार" => Word::Weekday(5),
        "sunday" | "ravivar" | "raviwar" | "ravivaar" | "raviwaar" | "itvaar" | "itwar" | "रविवार" | "इतवार" => {
            Word::Weekday(6)
        }
        "subah" | "subha" | "suba" | "savere" | "sawere" | "morning" | "सुबह" | "सवेरे" => {
            Word::PartOfDay(9)
        }
        "dopahar" | "dopehar" | "dopaher" | "dupahar" | "dophar" | "afternoon" | "noon"
        | "दोपहर" => Word::PartOfDay(13),
        "shaam" | "sham" | "evening" | "शाम" => Word::PartOfDay(18),
        "raat" | "rat" | "night" | "रात" => Word::PartOfDay(20),
        "baje" | "bje" | "baj" | "bajey" | "oclock" | "o'clock" | "बजे" => Word::Baje,
        "pm" => Word::AmPm(true),
        "am" => Word::AmPm(false),
        "tarikh" | "tareekh" | "tarik" | "tareek" | "taarikh" | "date" | "th" | "st" | "nd"
        | "rd" | "तारीख" | "तारिख" | "तरीख" => Word::Tarikh,
        "ghante" | "ghanta" | "ghanton" | "ghnte" | "hour" | "hours" | "hrs" | "hr" | "घंटे"
        | "घंटा" | "घण्टे" => Word::Hour,
        "minute" | "minutes" | "min" | "mins" | "minat" | "मिनट" => Word::Minute,
        "baad" | "bad" | "later" | "after" | "बाद" => Word::After,
        "agle" | "agla" | "agli" | "next" | "अगले" | "अगला" | "अगली" => {
            Word::Next
        }
        "hafte" | "hafta" | "haftey" | "week" | "weeks" | "हफ्ते" | "हफ्ता" | "सप्ताह" => {
            Word::Week
        }
        "mahine" | "mahina" | "mahino" | "mahinon" | "month" | "months" | "महीने" | "महीना"
        | "महीनों" => Word::Month,
        // "day" alone is left a name ("Good Day" biscuits); see `rules::disambiguate`.
        "din" | "dino" | "dinon" | "days" | "दिन" | "दिनों" => Word::DaySpan,
        // "may" and "jan" are other words first; they are left out.
        "january" | "janvari" | "janwari" | "जनवरी" => Word::MonthName(1),
        "february" | "feb" | "farvari" | "farwari" | "फरवरी" => Word::MonthName(2),
        "march" | "maarch" | "मार्च" => Word::MonthName(3),
        "april" | "aprail" | "अप्रैल" => Word::MonthName(4),
        "मई" => Word::MonthName(5),
        "june" | "joon" | "जून" => Word::MonthName(6),
        "july" | "julai" | "जुलाई" => Word::MonthName(7),
        "august" | "aug" | "agast" | "अगस्त" => Word::MonthName(8),
        "september" | "sept" | "sitambar" | "सितंबर" | "सितम्बर" => Word::MonthName(9),
        "october" | "oct" | "aktubar" | "अक्टूबर" => Word::MonthName(10),
        "november" | "nov" | "navambar" | "नवंबर" | "नवम्बर" => Word::MonthName(11),
        "december" | "dec" | "disambar" | "दिसंबर" | "दिसम्बर" => Word::MonthName(12),
        _ => return None,
    };
    Some(word)
}

/// Words of the non-money intents (help, undo, stock, summaries, bills, the catalogue) and of the
/// talk around them, kept apart from the money words in `exact`.
fn everyday(key: &str) -> Option<Word> {
    let word =
        match key {
            // Asking what the bot can do: "commands batao", "menu dikhao", "how does this work".
            "commands"
            | "command"
            | "kamand"
            | "kamands"
            | "कमांड"
            | "कमांड्स"
            | "menu"
            | "guide"
            | "tutorial"
            | "instructions"
            | "options"
            | "मेनू" => Word::Help,
            // What the merchant may say or type to the bot: "what can I ask you", "what should
            // I type", "what are your features".
            "ask" | "type" => Word::HelpCue,
            "your" | "yours" | "things" | "execora" => Word::Filler,
            "kaunse" | "kaunsa" | "kaunsi" | "konse" | "konsa" | "konsi" | "कौनसे" | "कौनसा"
            | "कौनसी" | "which" => Word::Question,
            "work"
            | "works"
            | "working"
            | "kaam"
            | "काम"
            | "chalana"
            | "chalaana"
            | "chalta"
            | "chalti"
            | "chalaun"
            | "chalaoon"
            | "चलाना"
            | "चलता"
            | "चलती"
            | "चलाऊं"
            | "istemaal"
            | "istemal"
            | "istamal"
            | "इस्तेमाल"
            | "upyog"
            | "उपयोग"
            | "samjhao"
            | "samjhado"
            | "samjha"
            | "समझाओ"
            | "समझा"
            | "explain"
            | "feature"
            | "function"
            | "functions"
            | "abilities"
            | "sikhao"
            | "sikha"
            | "सिखाओ"
            | "teach" => Word::HelpCue,
            "assist" | "assistance" | "support" | "samajh" | "samjh" | "समझ" | "understand"
            | "confused" | "confusing" => Word::Help,
            // The bot and the merchant talking to it, who are never a customer or a product.
            "bot"
            | "tum"
            | "tu"
            | "aap"
            | "aapko"
            | "apko"
            | "tumko"
            | "tumhe"
            | "tujhe"
            | "tumhare"
            | "aapke"
            | "बॉट"
            | "तुम"
            | "तू"
            | "आप"
            | "आपको"
            | "तुमको"
            | "तुम्हें"
            | "assistant" => Word::Filler,
            // Taking back what was just done: "oops", "take that back", "अनडू करो".
            "oops" | "ops" | "oopsie" | "undu" | "अनडू" | "back" | "reverse" | "rollback"
            | "undone" => Word::Undo,
            // "ek kadam peeche jao", "पीछे करो", "scratch that": step back over the last entry.
            "peeche" | "piche" | "pichhe" | "peechhe" | "पीछे" | "scratch" => Word::Undo,
            "go" | "jao" | "jaao" | "जाओ" | "hoon" | "hun" | "hu" | "हूं" => Word::Aux,
            "yahan" | "yaha" | "yahaan" | "idhar" | "यहां" | "इधर" => Word::Filler,
            // "aaj ka din kaisa raha": how the day went.
            "kaisa" | "kaisi" | "कैसा" | "कैसी" => Word::Question,
            // "Manju ka reminder rok do": stop it.
            "rok" | "roko" | "rokdo" | "rokiye" | "रोक" | "रोको" | "रोकदो" | "रोकिए" => {
                Word::Cancel
            }
            "schedule" | "shedule" => Word::Send,
            "catalog" | "catalogue" | "कैटलॉग" => Word::Product,
            "know" | "samajhta" | "samajhti" => Word::HelpCue,
            "erase" | "void" | "mita" | "mitado" | "मिटा" | "मिटाओ" | "मिटादो" | "scrap"
            | "निरस्त" => Word::Cancel,
            "take" | "takes" => Word::Take,
            // What the last command was called: "revert the last action", "undo the last thing".
            "action" | "actions" | "step" | "thing" | "transaction" => Word::Filler,
            // Discourse words: "jo abhi likha", "jaldi se", "din bhar ka".
            "jo" | "जो" | "kuch" | "कुछ" | "jaldi" | "jldi" | "जल्दी" | "bhar" | "भर" | "there"
            | "here" | "oh" | "ohh" | "uff" | "arrey" | "acchaa" => Word::Filler,
            // Calls to the listener: "hey Rahul paid 500", "bro, Sharmaji ne 200 diye".
            "hey"
            | "heyy"
            | "bro"
            | "oye"
            | "oyee"
            | "sunno"
            | "suniye"
            | "sunna"
            | "sunie"
            | "सुनिए"
            | "chalo"
            | "चलो"
            | "bilkul"
            | "बिल्कुल"
            | "zaroor"
            | "zarur"
            | "jarur"
            | "जरूर" => Word::Filler,
            "ping" => Word::Reminder,
            // "how much money is stuck with customers": dues.
            "stuck" | "fasa" | "phasa" | "fasaa" | "फंसा" | "फसा" => Word::Balance,
            // "bill kaise banate hain isme": in this (app); "Mohan's old bills", "purane bill".
            "isme" | "ismein" | "ismai" | "इसमें" | "इसमे" | "old" | "purane" | "purani"
            | "purana" | "पुराने" | "पुरानी" => Word::Filler,
            // "bill history of Kamal": the bills listed.
            "history" | "हिस्ट्री" => Word::Show,
            // "charge Rahul 500", "charge 500 to Rahul's account": written to the khata.
            "charge" => Word::Write,
            // "samjhao kaise use kare", "मैं इसे कैसे इस्तेमाल करूँ", "user guide": the merchant
            // and the verb of doing around a question about the bot.
            "kare" | "करे" | "karoon" => Word::Aux,
            "मैं" | "user" | "users" => Word::Filler,
            // "sabse zyada udhaar kiska hai": a degree, never a name.
            "zyada" | "jyada" | "ज्यादा" | "most" => Word::Filler,
            "raha" | "rahi" | "rahe" | "reh" | "rah" | "रहा" | "रही" | "रहे" | "रह" | "करता"
            | "करती" | "करते" | "karti" | "करूं" | "करू" => Word::Aux,
            // A day's business: "aaj kitna kamaya", "today's earnings", "कल का सारांश".
            "kamaya"
            | "kamaye"
            | "kamayi"
            | "कमाया"
            | "कमाए"
            | "earned"
            | "earn"
            | "earning"
            | "earnings"
            | "income"
            | "revenue"
            | "turnover"
            | "report"
            | "reports"
            | "रिपोर्ट"
            | "sell"
            | "sold"
            | "selling"
            | "sells"
            | "saransh"
            | "सारांश"
            | "कलेक्शन"
            | "aamdani"
            | "amdani"
            | "आमदनी"
            | "बेचा"
            | "बेचे"
            | "बिके"
            | "गल्ला"
            | "profit"
            | "munafa"
            | "मुनाफा" => Word::Sale,
            // Goods lying in the shop: "basmati kitna pada hai", "paneer available hai".
            "pada" | "padi" | "pade" | "पडा" | "पडी" | "पडे" | "available" | "uplabdh" | "उपलब्ध" => {
                Word::Left
            }
            "display" | "लिस्ट" | "view" | "see" | "dikhaiye" | "दिखादो" | "दिखाइये" | "share" => {
                Word::Show
            }
            // "unpaid bills of Rahul": which bills, not whose.
            "unpaid" | "sheet" | "each" => Word::Filler,
            // "increase Maggi stock by 20".
            "increase" | "increased" => Word::New,
            // "बिल काट दो", "parchi kaat do": a bill is cut as it is made.
            "काट" | "काटना" | "काटिए" | "काटिये" | "काटदो" | "kaatna" | "kaatdo" | "katdo" => {
                Word::Make
            }
            "prepare" | "raise" | "cut" | "बनादो" | "बनाइये" | "banaye" | "banayein" | "banaen"
            | "banate" | "बनाएं" | "बनाये" | "बनाए" | "बनाते" => {
                Word::Make
            }
            "बिल्स" | "बिलों" | "invoce" => Word::Bill,
            // "naya khata kholo", "open an account for Dolly": a new customer's ledger.
            "kholo" | "khol" | "kholna" | "kholiye" | "kholdo" | "open" | "खोलो" | "खोल"
            | "खोलना" | "खोलिए" | "खोलदो" => Word::New,
            "register" | "shamil" | "शामिल" | "joda" | "जोडा" => Word::New,
            "client" | "clients" | "party" | "पार्टी" => Word::Customer,
            "article" | "saaman" | "वस्तु" | "vastu" => Word::Product,
            // "bought groceries worth 450 on credit", "ration le gaya".
            "groceries" | "grocery" | "stuff" | "ration" | "raashan" | "rashan" | "sauda"
            | "सौदा" | "राशन" => Word::Product,
            "named" | "called" | "naamak" | "नामक" => Word::Marker,
            "priced" | "costs" | "costing" | "bhav" | "bhaav" | "भाव" => Word::Price,
            "update" | "updated" | "अपडेट" => Word::Write,
            // "hisaab mein jud gaye", "जुड़ चुके हैं": got added to the books, never a name.
            "jud" | "judd" | "jude" | "juda" | "judi" | "जुड" | "जुडे" | "जुडा" | "जुडी" => {
                Word::Write
            }
            // Where the stock is kept: "godown mein namak kitna hai", "गोदाम में आटा आया".
            "godown" | "godowns" | "godaam" | "godam" | "warehouse" | "गोदाम" | "गोडाउन" => {
                Word::Stock
            }
            "quantity" | "qty" | "matra" | "मात्रा" | "क्वांटिटी" => {
                Word::Stock
            }
            "restock" | "restocked" | "stocked" | "replenished" | "delivered" | "delivery"
            | "supplied" | "pahuncha" | "pahunchi" | "pahunche" | "पहुंचा" | "पहुंची" | "पहुंचे" => {
                Word::Arrive
            }
            "किलोग्राम" | "kilogramme" => Word::Unit(Unit::Kg),
            "मिलीलीटर" | "मिली" => Word::Unit(Unit::Ml),
            "बोतलें" | "बोतलों" => Word::Unit(Unit::Bottle),
            "पैकेट्स" | "पैकेटों" => Word::Unit(Unit::Packet),
            _ => return None,
        };
    Some(word)
}

/// Long keywords that a typo may reach: one letter missing, extra, wrong or swapped.
const FUZZY: &[(&str, Word)] = &[
    ("balance", Word::Balance),
    ("reminder", Word::Reminder),
    ("udhaar", Word::Credit),
    ("rupaye", Word::Currency),
    ("rupees", Word::Currency),
    ("hisaab", Word::Hisaab),
    ("cancel", Word::Cancel),
    ("invoice", Word::Bill),
    ("customer", Word::Customer),
    ("product", Word::Product),
    ("payment", Word::Pay),
    ("summary", Word::Sale),
    ("bakaya", Word::Balance),
    ("dikhao", Word::Show),
    ("tomorrow", Word::Day(Day::Tomorrow)),
    ("yesterday", Word::Day(Day::Yesterday)),
    ("packet", Word::Unit(Unit::Packet)),
    ("bottle", Word::Unit(Unit::Bottle)),
    ("dopahar", Word::PartOfDay(13)),
    ("tarikh", Word::Tarikh),
    ("ghante", Word::Hour),
    ("monday", Word::Weekday(0)),
    ("tuesday", Word::Weekday(1)),
    ("wednesday", Word::Weekday(2)),
    ("thursday", Word::Weekday(3)),
    ("friday", Word::Weekday(4)),
    ("saturday", Word::Weekday(5)),
    ("sunday", Word::Weekday(6)),
    ("received", Word::Arrive),
    ("cheque", Word::Mode(PaymentMode::Cheque)),
    ("phonepe", Word::Mode(PaymentMode::Upi)),
];

fn fuzzy(key: &str) -> Option<Word> {
    if key.len() < 5 || !key.is_ascii() {
        return None;
    }
    let first = key.as_bytes()[0];
    FUZZY
        .iter()
        .filter(|(word, _)| word.as_bytes()[0] == first && word.len().abs_diff(key.len()) <= 1)
        .find(|(word, _)| within_one_edit(key.as_bytes(), word.as_bytes()))
        .map(|(_, role)| *role)
        // A weekday misspelt keeps its "-day" ending; "Sundar" and "Mondal" are people.
        .filter(|role| !matches!(role, Word::Weekday(_)) || key.ends_with('y'))
}

/// Damerau distance ≤ 1, without building a table.
fn within_one_edit(a: &[u8], b: &[u8]) -> bool {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[prefix..], &b[prefix..]);
    match (a.len(), b.len()) {
        (0, 0) => true,
        (x, y) if x == y => {
            a[1..] == b[1..] || (x >= 2 && a[0] == b[1] && a[1] == b[0] && a[2..] == b[2..])
        }
        (x, y) if x + 1 == y => a == &b[1..],
        (x, y) if y + 1 == x => &a[1..] == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nlu::tokens::normalise;

    #[test]
    fn spelling_variants_share_a_role() {
        for key in ["udhaar", "udhar", "उधार"] {
            assert_eq!(classify(key), Word::Credit, "{key}");
        }
        for key in ["diye", "diya", "dia", "दिए"] {
            assert_eq!(classify(key), Word::Pay, "{key}");
        }
        assert_eq!(classify("gpay"), Word::Mode(PaymentMode::Upi));
        assert_eq!(classify("किलो"), Word::Unit(Unit::Kg));
        assert_eq!(classify("rahul"), Word::Name);
    }

    #[test]
    fn one_typo_reaches_long_keywords_only() {
        assert_eq!(classify("blance"), Word::Balance);
        assert_eq!(classify("remindr"), Word::Reminder);
        assert_eq!(classify("ruapye"), Word::Currency);
        assert_eq!(classify("balanse"), Word::Balance);
        assert_eq!(classify("rahim"), Word::Name);
        assert_eq!(classify("canc"), Word::Name);
        assert_eq!(classify("wednesdy"), Word::Weekday(2));
        for name in ["sundar", "mondal", "sundae"] {
            assert_eq!(classify(name), Word::Name, "{name}");
        }
    }

    #[test]
    fn devanagari_entries_are_written_normalised() {
        for key in ["जोडो", "हां", "बृहस्पतिवार", "चढाओ"]
        {
            assert_eq!(normalise(key), key);
        }
    }
}
