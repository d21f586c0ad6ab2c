"""Offline geocoding against the shipped Base Adresse Nationale extract."""

from __future__ import annotations

import pytest

from scop.geo.addresses import AddressIndex, AddressNotFound, fold, fold_query, get_index


@pytest.fixture(scope="module")
def index() -> AddressIndex:
    return get_index()


def test_the_whole_base_is_loaded(index: AddressIndex) -> None:
    assert len(index) > 150_000


def test_fold_removes_accents_case_and_punctuation() -> None:
    assert fold("Avenue des Champs-Élysées") == "avenue des champs elysees"
    assert fold_query("52 bd VOLT") == "52 boulevard volt"


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("52 rue oberk", "52 Rue Oberkampf, 75011 Paris"),
        ("52 RUE OBERKAMPF", "52 Rue Oberkampf, 75011 Paris"),
        ("52 oberkampf", "52 Rue Oberkampf, 75011 Paris"),
        ("oberkampf", "Rue Oberkampf, 75011 Paris"),
        ("5 bd voltaire", "5 Boulevard Voltaire, 75011 Paris"),
        ("av champs ely", "Avenue des Champs Elysées, 75008 Paris"),
    ],
)
def test_completion_by_prefix_with_folding(index: AddressIndex, typed: str, first: str) -> None:
    hits = index.complete(typed)
    assert hits
    assert hits[0].label == first
    assert len({h.label for h in hits}) == len(hits)


def test_both_sides_of_a_boundary_street(index: AddressIndex) -> None:
    labels = [a.label for a in index.complete("place de la nation")]
    assert "Place de la Nation, 75011 Paris" in labels
    assert "Place de la Nation, 75012 Paris" in labels


def test_forward_geocoding(index: AddressIndex) -> None:
    a = index.geocode("52 rue oberkampf")
    assert (a.number, a.street, a.postcode) == ("52", "Rue Oberkampf", "75011")
    assert a.lon == pytest.approx(2.3728, abs=1e-3)
    assert a.lat == pytest.approx(48.8646, abs=1e-3)


@pytest.mark.parametrize("typed", ["999 rue oberkampf", "xyzzy plugh", "   "])
def test_unresolvable_address_gets_a_clear_message(index: AddressIndex, typed: str) -> None:
    with pytest.raises(AddressNotFound, match="Adresse"):
        index.geocode(typed)


def test_reverse_geocoding_finds_the_nearest_address(index: AddressIndex) -> None:
    a = index.geocode("14 rue de lappe")
    back = index.reverse(a.lon + 0.00002, a.lat + 0.00001)
    assert back.label == "14 Rue de Lappe, 75011 Paris"


def test_reverse_geocoding_outside_paris_or_far_from_any_address(index: AddressIndex) -> None:
    with pytest.raises(AddressNotFound, match="hors de Paris"):
        index.reverse(4.83, 45.76)
    with pytest.raises(AddressNotFound, match="Aucune adresse à moins"):
        index.reverse(2.2530, 48.8620, max_m=30)  # Bois de Boulogne, Lac Inférieur
