//! Row ids: 64-bit, sorting by creation time like Mastodon's (milliseconds in the
//! high 48 bits, a sequence in the low 16), so API ids are strings that sort by time
//! and pagination by id is pagination by time.

use diesel::{
    deserialize::{FromSql, FromSqlRow},
    expression::AsExpression,
    pg::{Pg, PgValue},
    serialize::{Output, ToSql},
    sql_types::BigInt,
};
use std::sync::atomic::{AtomicU16, Ordering};

static SEQUENCE: AtomicU16 = AtomicU16::new(0);

/// A fresh time-sortable id. The sequence starts at a random point per process so
/// that two processes writing in the same millisecond rarely collide, and the
/// primary key turns a collision into an error rather than an overwrite.
pub fn new_id() -> i64 {
    static START: std::sync::Once = std::sync::Once::new();
    START.call_once(|| SEQUENCE.store(rand::random::<u16>(), Ordering::Relaxed));
    let millis = chrono::Utc::now().timestamp_millis();
    let seq = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    (millis << 16) | i64::from(seq)
}

macro_rules! id_type {
    ($($name:ident),*) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, AsExpression, FromSqlRow, serde::Serialize, serde::Deserialize)]
        #[diesel(sql_type = BigInt)]
        pub struct $name(pub i64);

        impl $name {
            pub fn generate() -> Self {
                $name(new_id())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl ToSql<BigInt, Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> diesel::serialize::Result {
                <i64 as ToSql<BigInt, Pg>>::to_sql(&self.0, out)
            }
        }

        impl FromSql<BigInt, Pg> for $name {
            fn from_sql(bytes: PgValue<'_>) -> diesel::deserialize::Result<Self> {
                <i64 as FromSql<BigInt, Pg>>::from_sql(bytes).map($name)
            }
        }
    )*};
}

id_type!(AccountId, UserId, StatusId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_grow_with_time_and_never_repeat_in_a_process() {
        let a = new_id();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = new_id();
        assert!(b > a);
        let many: std::collections::HashSet<i64> = (0..10_000).map(|_| new_id()).collect();
        assert_eq!(many.len(), 10_000);
    }
}
