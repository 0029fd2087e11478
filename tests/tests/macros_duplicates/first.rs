//! The first declarations.

pub(crate) const ID_LINE: u32 = line!() + 2;
#[iii::function("dup.same")]
async fn same_a() {}

pub(crate) const ROUTE_LINE: u32 = line!() + 3;
#[iii::function("dup.first_route")]
#[iii::http(path = "things/:id", method = "GET")]
async fn route_a() {}

pub(crate) const SHAPE_LINE: u32 = line!() + 3;
#[iii::function("dup.shape_a")]
#[iii::http(path = "users/:id", method = "GET")]
async fn shape_a() {}
