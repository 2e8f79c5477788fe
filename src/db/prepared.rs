//! SQL written by hand that PostgreSQL still prepares once per connection.
//!
//! Diesel keeps a prepared statement per connection for each query it can prove
//! has the same text every time; anything holding raw SQL (`sql::<T>(…)`,
//! `sql_query`) it cannot prove that of, so it sends the text again and PostgreSQL
//! parses and plans it at every call. For the visibility condition (five subqueries,
//! twice when boosts are checked) planning took several times longer than running
//! the query: a home page spent ~6 ms planning statements that ran in 0.6 ms.
//!
//! The contract of everything here: the SQL text is fixed by the code (a `&'static
//! str`, or text chosen among a few fixed shapes), and every value arrives as a bind
//! parameter. Then caching by text is exactly right, and the cache holds one
//! statement per query shape, not one per value.

use diesel::{
    expression::{
        is_aggregate, AppearsOnTable, Expression, SelectableExpression, TypedExpressionType,
        ValidGrouping,
    },
    pg::Pg,
    query_builder::{AstPass, Query, QueryFragment, QueryId},
    QueryResult,
};
use std::marker::PhantomData;

/// A fixed SQL expression of type `ST`, e.g. `fixed::<Bool>("statuses.local")`;
/// unlike `diesel::dsl::sql` it leaves the statement cacheable.
#[derive(Debug, Clone, Copy)]
pub struct Fixed<ST> {
    sql: &'static str,
    _type: PhantomData<ST>,
}

pub fn fixed<ST>(sql: &'static str) -> Fixed<ST> {
    Fixed {
        sql,
        _type: PhantomData,
    }
}

impl<ST: TypedExpressionType> Expression for Fixed<ST> {
    type SqlType = ST;
}

impl<ST> QueryFragment<Pg> for Fixed<ST> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(self.sql);
        Ok(())
    }
}

impl<ST> QueryId for Fixed<ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<ST, QS> AppearsOnTable<QS> for Fixed<ST> where Self: Expression {}
impl<ST, QS> SelectableExpression<QS> for Fixed<ST> where Self: AppearsOnTable<QS> {}
impl<ST, GB> ValidGrouping<GB> for Fixed<ST> {
    type IsAggregate = is_aggregate::Never;
}

/// A whole statement written by hand (`diesel::sql_query` with binds) that may be
/// prepared once per connection: `Cached(sql_query("…").bind(…)).load(conn)`. Only
/// for text that is a string literal; values must be binds.
#[derive(Debug, Clone)]
pub struct Cached<Q>(pub Q);

impl<Q: Query> Query for Cached<Q> {
    type SqlType = Q::SqlType;
}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Cached<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &Pg) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q> QueryId for Cached<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}
