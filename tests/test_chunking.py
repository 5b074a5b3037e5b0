"""Chunking the framework Markdown by heading."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.chunking import (
    MAX_CHARS,
    chunk_markdown,
    default_docs_dir,
    load_documents,
    split_front_matter,
)
from tools.errors import FrameworkError
from tools.text import slugify

DOC = """---
id: partner-tiers
title: Partner tiers
---
# Partner tiers

Intro paragraph about tiers.

## Gold

Gold needs pipeline.

### Benefits

Gold partners get co-marketing funds.

```text
# not a heading inside a fence
```

## Platinum

Platinum needs a dedicated practice.
"""


def test_chunks_keep_doc_title_section_source_and_stable_ids() -> None:
    chunks = chunk_markdown(DOC, "tiers.md")
    assert [c.section for c in chunks] == [
        "Partner tiers", "Gold", "Gold > Benefits", "Platinum"]
    assert [c.chunk_id for c in chunks] == [
        "partner-tiers::partner-tiers::0", "partner-tiers::gold::0",
        "partner-tiers::gold-benefits::0", "partner-tiers::platinum::0"]
    assert {(c.doc_id, c.title, c.source) for c in chunks} == {
        ("partner-tiers", "Partner tiers", "tiers.md")}
    assert "# not a heading inside a fence" in chunks[2].text
    assert chunks[1].embed_text.startswith("Partner tiers - Gold\n")
    assert [c.index for c in chunks] == [0, 1, 2, 3]
    assert chunk_markdown(DOC, "tiers.md") == chunks


def test_only_changed_section_changes_its_hash() -> None:
    before = chunk_markdown(DOC, "tiers.md")
    after = chunk_markdown(DOC.replace("Gold needs pipeline.", "Gold needs more."), "tiers.md")
    changed = [a.chunk_id for a, b in zip(before, after, strict=True)
               if a.content_hash != b.content_hash]
    assert changed == ["partner-tiers::gold::0"]


def test_long_sections_split_at_paragraphs_with_numbered_ids() -> None:
    para = "word " * 200
    text = "---\nid: d\ntitle: T\n---\n## Long\n\n" + "\n\n".join([para] * 5)
    chunks = chunk_markdown(text, "d.md")
    assert len(chunks) >= 3
    assert all(len(c.text) <= MAX_CHARS for c in chunks)
    assert [c.chunk_id for c in chunks] == [f"d::long::{i}" for i in range(len(chunks))]


def test_missing_front_matter_falls_back_to_stem_and_heading() -> None:
    chunks = chunk_markdown("# Heading Title\n\nBody.\n", "my-doc.md")
    assert (chunks[0].doc_id, chunks[0].title, chunks[0].section) == (
        "my-doc", "Heading Title", "Heading Title")


def test_bad_front_matter_is_a_clear_error() -> None:
    with pytest.raises(FrameworkError, match="never closed"):
        split_front_matter("---\nid: x\n# body", "x.md")
    with pytest.raises(FrameworkError, match="not valid YAML"):
        split_front_matter("---\nid: [x\n---\nbody", "x.md")
    with pytest.raises(FrameworkError, match="mapping"):
        split_front_matter("---\n- a\n---\nbody", "x.md")


def test_two_documents_with_one_id_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\nid: same\ntitle: A\n---\n## S\n\ntext\n")
    (tmp_path / "b.md").write_text("---\nid: same\ntitle: B\n---\n## S\n\ntext\n")
    with pytest.raises(FrameworkError, match="share one id"):
        load_documents(tmp_path)


def test_shipped_documents_chunk_with_unique_ids_and_titles() -> None:
    chunks = load_documents(default_docs_dir())
    assert len({c.doc_id for c in chunks}) >= 2
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    assert all(c.title and c.section and c.text for c in chunks)


def test_slugify() -> None:
    assert slugify("Tiers > Gold (2026)") == "tiers-gold-2026"
    assert slugify("!!!", default="section") == "section"
