//! The same id and the same route again, in another file.

pub(crate) const ID_LINE: u32 = line!() + 2;
#[iii::function("dup.same")]
async fn same_b() {}

pub(crate) const ROUTE_LINE: u32 = line!() + 3;
#[iii::function("dup.second_route")]
#[iii::http(path = "/things/:id", method = "get")]
async fn route_b() {}

pub(crate) const SHAPE_LINE: u32 = line!() + 3;
#[iii::function("dup.shape_b")]
#[iii::http(path = "users/:user_id", method = "DELETE")]
async fn shape_b() {}
