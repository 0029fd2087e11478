//! `multipart/form-data` bodies (feature `multipart`): a [`Multipart`] parameter parses the
//! streamed request body with `multer`, field by field, without collecting it.

pub use multer::{Error as MultipartError, Field, Multipart};

use super::request::{BodyStream, FromBody};
use crate::error::{Error, Result};
use crate::worker::Invocation;

/// The fields of a `multipart/form-data` request body, read as they arrive; the boundary
/// comes from the request's `content-type`.
impl FromBody for Multipart<'static> {
    async fn from_body(invocation: &mut Invocation) -> Result<Self> {
        let body = BodyStream::of(invocation)?;
        let content_type = body.content_type().unwrap_or_default();
        let boundary = multer::parse_boundary(content_type).map_err(|e| Error::InvalidInput {
            message: format!("expected a multipart/form-data body with a boundary: {e}"),
            path: None,
        })?;
        Ok(Multipart::new(body, boundary))
    }
}
