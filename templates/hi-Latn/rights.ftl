# Data rights: a customer's data exported, a customer deleted on a code sent to the owner.
rights-delete-code = { $code } aapka Execora code hai grahak #{ $customer } aur unke messages hamesha ke liye mitane ka. Yeh 5 minute chalega. Agar aapne nahi maanga, ise kisi ko na batayein.
panel-rights-heading = Is grahak ka data
panel-rights-export = Inka data download karein (JSON)
panel-rights-delete = Is grahak ko hataayein
panel-rights-delete-explain = Inka naam, phone, messages aur voice notes mita diye jaayenge. Inki entries bina naam ke khate mein rahengi, isliye aapka total nahi badlega. Pehle owner ke WhatsApp par code jaayega.
panel-rights-code-sent = Owner ke WhatsApp par 6 ankon ka code bheja gaya. { $name } ko hamesha ke liye hataane ke liye code likhiye.
panel-rights-confirm = Hamesha ke liye hataayein
panel-rights-done = Grahak hata diya gaya. Inki entries khate mein bina naam ke rahengi.
panel-rights-no-owner-phone = Dukaan ka koi owner phone nahi hai jis par code bheja jaaye.
panel-rights-already-deleted = Yeh grahak pehle hi hata diya gaya hai.
