//! Data rights: one customer's data exported, a customer deleted on the owner's confirmed request, and message texts kept only as long as the operator says.
//!
//! Everything here is scoped by the shop's [`Books`](crate::books::Books): another shop's
//! customer id is simply not found. Deleting keeps the books true (entries, bills and
//! operations stay, their amounts and links untouched) and removes what says who the customer
//! was; see docs/ARCHITECTURE.md, "Data rights".

mod deletion;
mod export;
mod mentions;
mod retention;

pub use deletion::{
    DELETED_NAME_PREFIX, Deleted, DeletionRequested, Requester, confirm_deletion, request_deletion,
};
pub use export::{
    CustomerExport, ExportBill, ExportCustomer, ExportMessage, ExportReminder, ExportShop,
    export_customer,
};
pub use retention::{MessageRetention, purge_message_texts};

use crate::access::AccessError;
use crate::books::{BooksError, CustomerId};
use crate::recordings::RecordingsError;
use crate::store::StoreError;

/// What can go wrong exporting or deleting a customer's data.
#[derive(Debug, thiserror::Error)]
pub enum RightsError {
    #[error("the shop has no owner phone to send the code to")]
    NoOwnerPhone,
    #[error("customer {0} was already deleted")]
    AlreadyDeleted(CustomerId),
    #[error(transparent)]
    Access(#[from] AccessError),
    #[error(transparent)]
    Recordings(#[from] RecordingsError),
    #[error(transparent)]
    Books(#[from] BooksError),
}

impl From<sqlx::Error> for RightsError {
    fn from(error: sqlx::Error) -> Self {
        RightsError::Books(error.into())
    }
}

impl From<StoreError> for RightsError {
    fn from(error: StoreError) -> Self {
        RightsError::Books(error.into())
    }
}
