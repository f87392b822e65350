# Data rights: a customer's data exported, a customer deleted on a code sent to the owner.
rights-delete-code = { $code } is your Execora code to delete customer #{ $customer } and their messages for good. It works for 5 minutes. If you did not ask for this, do not share it.
panel-rights-heading = This customer's data
panel-rights-export = Download their data (JSON)
panel-rights-delete = Delete this customer
panel-rights-delete-explain = Their name, phone, messages and voice notes are erased. Their entries stay in the books without their name, so your totals do not change. A code goes to the owner's WhatsApp first.
panel-rights-code-sent = A 6-digit code was sent to the owner's WhatsApp. Type it to delete { $name } for good.
panel-rights-confirm = Delete for good
panel-rights-done = The customer was deleted. Their entries stay in the books without their name.
panel-rights-no-owner-phone = The shop has no owner phone to send the code to.
panel-rights-already-deleted = This customer was already deleted.
