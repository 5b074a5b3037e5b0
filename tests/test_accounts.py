"""Account mapping tools: normalisers, matching, the overlap matrix and ICP overlap."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from knowledge.account_synth import matching_set, precision_recall
from tools.account_match import (
    MIN_FUZZY_CHARS,
    NAME_THRESHOLD,
    MatchMethod,
    account_overlap,
    match_accounts,
)
from tools.accounts import (
    Account,
    AccountKind,
    name_key,
    normalise_domain,
    normalise_name,
    registrable_domain,
)
from tools.errors import FrameworkError


@pytest.mark.parametrize(("given_name", "expected"), [
    ("Acme Inc.", "acme"),
    ("ACME, INC", "acme"),
    ("The Acme Company", "acme"),
    ("Müller & Söhne GmbH & Co. KG", "muller and sohne"),
    ("Muller and Sohne", "muller and sohne"),
    ("Vistula Foods S.A.", "vistula foods"),
    ("Vistula Foods S. A.", "vistula foods"),
    ("Nordlicht Handel AG", "nordlicht handel"),
    ("Smith & Co", "smith"),
    ("Johnson and Johnson", "johnson and johnson"),
    ("O'Neil Ltd", "oneil"),
    ("I B M Corp", "ibm"),
    ("Łódź Øresund Plc", "lodz oresund"),
    ("Inc", "inc"),  # a name that is only a legal form keeps it
])
def test_normalise_name(given_name: str, expected: str) -> None:
    assert normalise_name(given_name) == expected


def test_name_key_joins_words() -> None:
    assert name_key("J.P. Morgan") == name_key("JP Morgan") == name_key("JPMorgan") == "jpmorgan"


@pytest.mark.parametrize(("given_domain", "host"), [
    ("acme.com", "acme.com"),
    ("https://WWW.Acme.com:443/about?x=1#top", "acme.com"),
    ("www2.acme.com", "acme.com"),
    ("sales@emea.acme.com", "emea.acme.com"),
    ("http://user:pw@acme.co.uk/", "acme.co.uk"),
    ("acme.com.", "acme.com"),
    ("www.com", "www.com"),  # www is only dropped when a domain remains
    ("bücher.de", "xn--bcher-kva.de"),
])
def test_normalise_domain(given_domain: str, host: str) -> None:
    assert normalise_domain(given_domain) == host


@pytest.mark.parametrize("bad", ["acme", "not a domain.com", "192.168.0.1", "-acme.com",
                                 "acme..com", "http://", "a" * 64 + ".com"])
def test_normalise_domain_refuses_what_is_not_a_domain(bad: str) -> None:
    with pytest.raises(ValueError, match="is not a web domain"):
        normalise_domain(bad)


@pytest.mark.parametrize(("host", "registrable"), [
    ("acme.com", "acme.com"), ("eu.shop.acme.com", "acme.com"),
    ("shop.acme.co.uk", "acme.co.uk"), ("acme.co.uk", "acme.co.uk"),
    ("a.b.acme.com.au", "acme.com.au"), ("acme.de", "acme.de"),
])
def test_registrable_domain(host: str, registrable: str) -> None:
    assert registrable_domain(host) == registrable


def test_account_validation_names_the_field() -> None:
    with pytest.raises(ValidationError) as info:
        Account(name="Acme", domain="not a domain")
    assert info.value.errors()[0]["loc"] == ("domain",)
    with pytest.raises(ValidationError) as info:
        Account(name="...")
    assert info.value.errors()[0]["loc"] == ("name",)
    assert Account(name="Acme", domain="  ").domain is None


def _acc(name: str, domain: str | None = None, kind: str = "customer", ident: str = ""
         ) -> Account:
    return Account(account_id=ident, name=name, domain=domain, kind=AccountKind(kind))


def test_domain_first_then_name_then_fuzzy() -> None:
    ours = [_acc("Totally Different", "acme.com"), _acc("Vistula Foods S.A."),
            _acc("Riga Fresh Markets"), _acc("Nobody Here")]
    theirs = [_acc("Acme Inc", "https://www.acme.com/x"), _acc("VISTULA FOODS SA"),
              _acc("Riga Fresh Market")]
    found = {m.ours.name: m for m in match_accounts(ours, theirs)}
    assert found["Totally Different"].method == MatchMethod.DOMAIN
    assert found["Vistula Foods S.A."].method == MatchMethod.NAME
    assert found["Riga Fresh Markets"].method == MatchMethod.FUZZY
    assert NAME_THRESHOLD <= found["Riga Fresh Markets"].score < 100
    assert "Nobody Here" not in found


def test_subsidiary_on_a_subdomain_is_the_same_family() -> None:
    [match] = match_accounts([_acc("Daugava Supermarkets", "daugava.lv")],
                             [_acc("Daugava Retail Group EU", "eu.daugava.lv")])
    assert match.method == MatchMethod.DOMAIN


def test_different_domains_block_a_fuzzy_name_but_not_an_exact_one() -> None:
    ours = [_acc("Helmsdale Outfitters", "helmsdale.com"), _acc("Pomeranian Books",
                                                                 "pomeranianbooks.pl")]
    theirs = [_acc("Helmsdale Outfitter", "helmsdale-outfitters.com"),
              _acc("Pomeranian Books Ltd", "pomeranian-books.com")]
    found = {m.ours.name: m.method for m in match_accounts(ours, theirs)}
    assert found == {"Pomeranian Books": MatchMethod.NAME}


def test_short_names_only_match_exactly() -> None:
    assert len(name_key("Abcd")) < MIN_FUZZY_CHARS
    assert match_accounts([_acc("Abcd")], [_acc("Abce")]) == []
    assert len(match_accounts([_acc("Abcd")], [_acc("ABCD Inc.")])) == 1


def test_overlap_matrix_counts_each_kind_and_icp_dedupes_families() -> None:
    ours = [_acc("Acme", "acme.com", "customer", "A1"), _acc("Acme EMEA", "emea.acme.com",
                                                             "opportunity", "A2"),
            _acc("Beta Corp", None, "prospect", "A3"), _acc("Gamma", "gamma.io", "customer")]
    theirs = [_acc("Acme Inc", "acme.com", ident="T1"), _acc("Beta", ident="T2"),
              _acc("Gamma", "gamma.io", "prospect")]  # their prospect: never counted
    result = account_overlap(ours, theirs, "P-1", "Partner One")
    cells = {str(c.kind): (c.accounts, c.matched) for c in result.rows}
    assert cells == {"customer": (2, 1), "prospect": (1, 1), "opportunity": (1, 1)}
    assert result.their_customers == 2
    # families: acme.com (2 accounts), name:beta, gamma.io -> 3 targets, 2 matched -> 67
    assert (result.icp.value, result.icp.matched, result.icp.targets) == (67, 2, 3)
    assert result.icp.provenance.startswith("ICP overlap 67, from 2 of 3 target accounts")
    assert result.rows[0].matches[0].theirs_id == "T1"


def test_counts_only_and_limit() -> None:
    ours = [_acc(f"Company Number {n}", f"c{n}.com", ident=f"A{n}") for n in range(5)]
    theirs = [_acc(f"Company Number {n}", f"c{n}.com") for n in range(5)]
    counted = account_overlap(ours, theirs, "P", "P", counts_only=True)
    assert counted.rows[0].matched == 5 and counted.rows[0].matches == []
    limited = account_overlap(ours, theirs, "P", "P", limit=2)
    assert len(limited.rows[0].matches) == 2 and limited.rows[0].more == 3


def test_icp_overlap_half_up_and_no_targets() -> None:
    # 1 of 8 = 12.5 -> 13 (half up, not banker's 12)
    ours = [_acc(f"Firm {chr(65 + n)}{chr(65 + n)}", f"f{n}.com") for n in range(8)]
    result = account_overlap(ours, [_acc("x", "f0.com")], "P", "P")
    assert result.icp.value == 13
    with pytest.raises(FrameworkError, match="accounts: our account list has no"):
        account_overlap([], [_acc("x", "f0.com")], "P", "P")


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_normalise_name_is_idempotent(name: str) -> None:
    once = normalise_name(name)
    assert normalise_name(once) == once or not once


@settings(max_examples=60, deadline=None)
@given(st.from_regex(r"[a-z]{2,10}(\.[a-z]{2,8}){1,3}", fullmatch=True),
       st.sampled_from(["", "www.", "https://", "http://www.", "HTTPS://WWW."]),
       st.sampled_from(["", "/", "/about", ":8080/x?y=1"]))
def test_a_website_and_its_domain_normalise_alike(host: str, prefix: str, suffix: str) -> None:
    if host.startswith("www."):
        return
    assert normalise_domain(f"{prefix}{host}{suffix}") == normalise_domain(host)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["Acme", "Beta Labs", "Gamma & Co", "Delta GmbH", "Epsilon"]),
                min_size=1, max_size=6))
def test_every_account_matches_itself(names: list[str]) -> None:
    accounts = [_acc(n) for n in names]
    assert len(match_accounts(accounts, accounts)) == len(accounts)


def test_matching_quality_on_a_generated_set_with_known_truth() -> None:
    """Precision >= 0.98 and recall >= 0.95 on a fixed seed (see knowledge/account_synth.py)."""
    data = matching_set(seed=16, ours=1000, theirs=1000)
    assert len(data.truth) == 400
    precision, recall, _ = precision_recall(data)
    assert precision >= 0.98, precision
    assert recall >= 0.95, recall


def test_the_quality_measure_catches_a_bad_matcher() -> None:
    """The measure is not vacuous: swapping the truth drops precision to near zero."""
    data = matching_set(seed=16, ours=200, theirs=200)
    ids = list(data.truth.values())
    data.truth = dict(zip(data.truth, ids[1:] + ids[:1], strict=True))
    precision, recall, _ = precision_recall(data)
    assert precision < 0.1 and recall < 0.1
