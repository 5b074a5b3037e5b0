"""Bring a store up to date with the shipped framework documents and sample partners."""

from __future__ import annotations

from knowledge.account_import import load_sample_accounts
from knowledge.accounts import AccountBook
from knowledge.chunking import default_docs_dir, load_documents
from knowledge.competitors import ensure_sample_competitors
from knowledge.sample import load_sample_partners
from knowledge.store import Store


def ensure_index(store: Store) -> dict[str, int]:
    """Sync the framework documents into ``store`` and load the sample partners if it has none.

    Document indexing is idempotent (unchanged passages are not re-embedded), so a store
    built before a document changed is brought up to date; partners are only loaded into an
    empty store, never over a user's own records.

    Returns:
        The store's record counts after indexing.
    """
    store.index_documents(load_documents(default_docs_dir()))
    if store.counts().get("partners", 0) == 0:
        store.upsert_partners(load_sample_partners())
        ensure_sample_competitors(store.data_dir)  # the sample competitors go with them
    load_sample_accounts(AccountBook(store.data_dir))  # only into an empty account map
    return store.counts()
