//! The data inventory against the live schema: a migration that adds a column nobody
//! classified (or drops one the inventory still describes) fails here, on both engines.

use crate::support::open;
use ownpace_storage::Backend;
use ownpace_storage::inventory::INVENTORY;
use std::collections::BTreeSet;

on_both_engines!(the_inventory_matches_the_schema);

async fn the_inventory_matches_the_schema(backend: Backend) {
    let (store, _db) = open(backend).await;
    let live = store.schema_columns().await.expect("read the schema");
    assert!(live.len() > 50, "the schema read back: {live:?}");
    let declared: BTreeSet<(String, String)> = INVENTORY
        .iter()
        .flat_map(|t| {
            t.columns
                .iter()
                .map(|(c, _)| (t.table.to_string(), c.to_string()))
        })
        .collect();
    let unclassified: Vec<_> = live.difference(&declared).collect();
    assert!(
        unclassified.is_empty(),
        "columns no entry of storage/src/inventory.rs classifies (add them there, with \
         what they hold, why, who sees them and how long they are kept): {unclassified:?}"
    );
    let gone: Vec<_> = declared.difference(&live).collect();
    assert!(
        gone.is_empty(),
        "columns the inventory describes but the schema no longer has: {gone:?}"
    );
    store.close().await;
}
