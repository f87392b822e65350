# Data rights: a customer's data exported, a customer deleted on a code sent to the owner.
rights-delete-code = { $code } आपका Execora कोड है ग्राहक #{ $customer } और उनके संदेश हमेशा के लिए मिटाने का। यह 5 मिनट चलेगा। अगर आपने नहीं मांगा, इसे किसी को न बताएं।
panel-rights-heading = इस ग्राहक का डेटा
panel-rights-export = इनका डेटा डाउनलोड करें (JSON)
panel-rights-delete = इस ग्राहक को हटाएं
panel-rights-delete-explain = इनका नाम, फ़ोन, संदेश और वॉइस नोट मिटा दिए जाएंगे। इनकी एंट्री बिना नाम के खाते में रहेंगी, इसलिए आपका कुल नहीं बदलेगा। पहले मालिक के WhatsApp पर कोड जाएगा।
panel-rights-code-sent = मालिक के WhatsApp पर 6 अंकों का कोड भेजा गया। { $name } को हमेशा के लिए हटाने के लिए कोड लिखें।
panel-rights-confirm = हमेशा के लिए हटाएं
panel-rights-done = ग्राहक हटा दिया गया। इनकी एंट्री खाते में बिना नाम के रहेंगी।
panel-rights-no-owner-phone = दुकान का कोई मालिक फ़ोन नहीं है जिस पर कोड भेजा जाए।
panel-rights-already-deleted = यह ग्राहक पहले ही हटा दिया गया है।
