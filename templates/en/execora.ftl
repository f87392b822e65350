# Execora's replies in English. Amounts, quantities, dates and lists arrive already formatted.

mode-cash = cash
mode-upi = UPI
mode-card = card
mode-bank = bank transfer
mode-cheque = cheque

balance-due = Balance due: { $amount }
balance-advance = Advance: { $amount }
balance-clear = All settled ✅

payment-recorded = ✅ Received { $amount }{ $mode } from { $customer }.
credit-added = 📝 Added { $amount } credit to { $customer }'s account.
invoice-created = 🧾 Bill #{ $number } for { $customer }
invoice-created-cash = 🧾 Bill #{ $number } (counter sale)
invoice-total = Total: { $total }
low-stock-warning = ⚠️ Running low: { $products }
invoice-cancelled = ↩️ Bill #{ $number } ({ $total }) cancelled.
reminder-scheduled = ⏰ { $customer } will be reminded on { $when }.
reminder-scheduled-amount = ⏰ { $customer } will be reminded about { $amount } on { $when }.
reminders-cancelled = 🗑️ Cancelled { $count ->
    [one] one reminder
   *[other] { $count } reminders
} for { $customer }.
no-reminders = { $customer } has no pending reminder.
stock-updated = 📦 { $product }: { $delta } added. In stock now: { $stock }.
stock-reduced = 📦 { $product }: { $delta } removed. In stock now: { $stock }.
product-added = ✅ New item { $product } at { $price } per { $unit }.
product-updated = ✅ { $product } now costs { $price } per { $unit }.
customer-added = ✅ New customer { $customer }{ $phone }.
customer-exists = ℹ️ { $customer }{ $phone } is already on your books.
undone-payment = ↩️ Undone: { $amount } payment from { $customer }.
undone-credit = ↩️ Undone: { $amount } credit for { $customer }.
undone-invoice = ↩️ Undone: bill #{ $number } ({ $amount }) cancelled.
undone-stock = ↩️ Undone: the stock entry for { $product }.
balance = { $customer } owes { $amount }.
balance-advance-answer = { $customer } has an advance of { $amount }.
balance-clear-answer = { $customer } owes nothing ✅
total-dues = Total dues: { $total } from { $count ->
    [one] one customer
   *[other] { $count } customers
}.
no-dues = Nobody owes you anything ✅
stock = { $product }: { $stock } in stock.
stock-low = ⚠️ { $product }: only { $stock } left.
summary-title = 📊 Summary for { $date }
summary-sales = Sales: { $amount } ({ $count ->
    [one] 1 bill
   *[other] { $count } bills
})
summary-collections = Collected: { $amount }
summary-credit = New credit: { $amount }
summary-outstanding = Total dues: { $amount }
summary-debtors = Top dues:
summary-low-stock = Running low: { $products }
invoice-list-title = 🧾 Bills of { $customer }:
invoice-list-title-all = 🧾 Latest bills:
invoice-list-empty = No bills yet.
invoice-cancelled-mark = cancelled
more-lines = …and { $count } more
help = 🙏 I keep your shop's books on WhatsApp. Try:
help-payment = • Payment: "Rahul paid 200 by UPI"
help-credit = • Credit: "add 300 credit for Rahul"
help-bill = • Bill: "bill for Rahul 2 milk and 1 bread"
help-balance = • Balance: "Rahul's balance"
help-reminder = • Reminder: "remind Rahul about 500 tomorrow at 7 pm"
help-stock = • Stock: "50 packet milk received", "how much atta is left"
help-summary = • Summary: "today's sales"
help-undo = • Mistake? "undo"
ask-which-customer = 🤔 Which { $said }?
ask-which-product = 🤔 Which { $said }?
ask-reply-number = Reply with the number or the name.
ask-create-customer = 🤔 { $name } is not on your books yet. Add as a new customer?
ask-product-price = 🤔 { $product } is not in your items. What is its price? For example: 10
option-yes = Yes, add
option-no = No
option-skip = Skip item
not-understood = 🙏 Sorry, I did not understand. Try "Rahul paid 200", "Rahul's balance" or "help".
customer-not-found = 🙏 No customer called { $name }. To add: "new customer { $name } 98765…"
customer-not-found-unnamed = 🙏 I could not find that customer.
product-not-found = 🙏 No item called { $name }. To add: "new item { $name } 10 rupees"
product-not-found-unnamed = 🙏 I could not find that item.
no-invoice = 🙏 No open bill for { $customer }.
no-invoice-any = 🙏 There is no open bill to cancel.
nothing-to-undo = 🙏 There is nothing to undo.
undo-expired = 🙏 Only entries from the last { $minutes } minutes can be undone. Cancel the bill or book a correction instead.
invalid-amount = ⚠️ That amount does not look right: it must be more than zero and at most ₹10 crore.
invalid-quantity = ⚠️ That quantity does not look right.
unit-mismatch = ⚠️ { $product } is sold by { $unit }. Please say the quantity in { $unit }.
invalid-name = ⚠️ That name cannot be saved: use up to 120 letters.
invalid-phone = ⚠️ That phone number does not look right (10 digits) or it belongs to another shop.
reminder-in-past = ⚠️ That time has already passed. Please give a future time.
dropped = 👍 OK, nothing was done.
try-again = 🙏 Something went wrong on our side; nothing was booked. Please send it again.
not-registered = 🙏 This number is not registered with a shop on Execora. Ask your shop owner to add your phone, or write to us to open your shop's books.
voice-not-understood = 🙏 I cannot listen to voice notes yet. Please type your message.
unsupported-message = 🙏 I understand text and voice notes. Please write your message.
too-many-messages = 🙏 That is more than { $count } messages in a minute. I have kept the rest and will go through them over the next minutes; no need to send them again.
message-not-processed = 😔 One of your messages could not be processed, even after several tries. Please check your books before you send it again.
customer-wrote = 📩 { $who } wrote: "{ $text }"
customer-sent-media = 📩 { $who } sent a message (a voice note or a photo).
customer-message-passed-on = 🙏 Thank you! Your message has been passed on to { $shop }.
signup-ask-name = 🙏 Hello! To start your shop's books on Execora, send your shop's name (for example: Gupta Kirana).
signup-opened = 🎉 The books of { $shop } are open! Now write or say, for example: "Rahul paid 200 by UPI" or "bill Sharma ji for 2 kg atta".
signup-name-refused = ⚠️ A shop's name should be 2 to 60 characters. Please send it again (for example: Gupta Kirana).
voice-too-long = 🙏 The voice note is longer than { $minutes } minutes. Send a shorter one, or type your message.
voice-too-large = 🙏 The voice note is larger than { $megabytes } MB. Send a shorter one, or type your message.
voice-unreadable = 🙏 I could not open that voice note. Please record it again, or type your message.
voice-silent = 🙏 I could not hear anything in that voice note. Please speak and send it again.
voice-not-heard = 🙏 I could not make out that voice note, so nothing was booked. Please send it again, or type it.
